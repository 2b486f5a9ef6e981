"""Client on python-websockets (asyncio API, websockets >= 10), driven by interop tests.

Connects to URI (which is expected to echo), then sends a text, a binary and a 1 MiB binary
message and a ping, and reports each answer; finally either closes with 4001 "python bye"
(--close-by client) or sends the text "close-me" and waits for the server to close
(--close-by server). Prints one JSON object per line on stdout.

Usage: client.py URI [--no-deflate] [--close-by client|server]
"""

import asyncio
import hashlib
import json
import sys

import websockets


def emit(event):
    print(json.dumps(event), flush=True)


def response_headers_of(websocket):
    """websockets >= 13's new API keeps the handshake response on websocket.response."""
    response = getattr(websocket, "response", None)
    return response.headers if response is not None else websocket.response_headers


def describe(message):
    if isinstance(message, str):
        return {"type": "text", "text": message}
    return {"type": "binary", "length": len(message), "sha256": hashlib.sha256(message).hexdigest()}


async def main():
    uri = sys.argv[1]
    compression = None if "--no-deflate" in sys.argv else "deflate"
    close_by = sys.argv[sys.argv.index("--close-by") + 1] if "--close-by" in sys.argv else "client"
    async with websockets.connect(uri, compression=compression, max_size=4 * 2**20) as websocket:
        emit({"event": "open", "extensions": response_headers_of(websocket).get("Sec-WebSocket-Extensions")})
        for message in ["héllo 🐍 from python", bytes(range(256)) * 4, b"py" * 2**19]:
            await websocket.send(message)
            emit({"event": "message", **describe(await websocket.recv())})
        pong = await websocket.ping(b"python ping")
        await asyncio.wait_for(pong, 5)
        emit({"event": "pong"})
        if close_by == "client":
            await websocket.close(4001, "python bye")
        else:
            await websocket.send("close-me")
            try:
                await asyncio.wait_for(websocket.recv(), 5)
            except websockets.ConnectionClosed:
                pass
        await websocket.wait_closed()
        emit({"event": "closed", "code": websocket.close_code, "reason": websocket.close_reason})


asyncio.run(main())
