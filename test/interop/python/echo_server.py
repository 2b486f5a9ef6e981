"""Echo server on python-websockets (asyncio API, websockets >= 10), driven by interop tests.

Prints one JSON object per line on stdout: {"event": "listening", "port": N} once bound, then
for each connection "connected" (path, negotiated extensions) and "closed" (code, reason).
Echoes every message with its type (str stays text, bytes stay binary). On the text
"close-me" it closes with 4003 "python says bye". Runs until its stdin reaches end of file.

Usage: echo_server.py [--no-deflate]
"""

import asyncio
import json
import sys

import websockets


def emit(event):
    print(json.dumps(event), flush=True)


def handshake_of(websocket):
    """(path, response headers): websockets >= 13's new API keeps them on request/response."""
    request = getattr(websocket, "request", None)
    if request is not None:
        return request.path, websocket.response.headers
    return websocket.path, websocket.response_headers


async def echo(websocket, path=None):
    path, response_headers = handshake_of(websocket)
    emit({"event": "connected", "path": path, "extensions": response_headers.get("Sec-WebSocket-Extensions")})
    try:
        async for message in websocket:
            if message == "close-me":
                await websocket.close(4003, "python says bye")
                break
            await websocket.send(message)
    except websockets.ConnectionClosed:
        pass
    await websocket.wait_closed()
    emit({"event": "closed", "code": websocket.close_code, "reason": websocket.close_reason})


async def main():
    compression = None if "--no-deflate" in sys.argv else "deflate"
    loop = asyncio.get_running_loop()
    async with websockets.serve(echo, "127.0.0.1", 0, compression=compression, max_size=4 * 2**20) as server:
        emit({"event": "listening", "port": server.sockets[0].getsockname()[1]})
        # Stop when the test closes our stdin (or dies), so no server outlives its test.
        await loop.run_in_executor(None, sys.stdin.read)


asyncio.run(main())
