// A WebSocket with no 'error' listener must not turn a peer's mistake into an uncaught exception
// (ws does: one malformed frame from one client stops a server that forgot ws.on('error')). The
// close event that always follows is the report.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index.js';
import { closed, LOOPBACK, rawUpgraded, readUntilClosed, startServer } from './helpers.js';

describe('errors without an error listener', () => {
  it('server side: an unmasked client frame closes with 1002 and the server keeps serving', async () => {
    const { wss, port, url } = await startServer();
    // Deliberately no 'error' listener on the server-side socket.
    const serverClosed = new Promise<number>((resolve) =>
      wss.once('connection', (ws: WebSocket) => ws.once('close', (code: number) => resolve(code))),
    );
    const { socket } = await rawUpgraded(port);
    // §5.1: a client frame without the mask bit.
    socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    const bytes = await readUntilClosed(socket);
    expect(bytes[0]).toBe(0x88);
    expect(bytes.readUInt16BE(2)).toBe(1002);
    // The raw peer never answered the close frame: the server reports 1006 once TCP is gone.
    expect(await serverClosed).toBe(1006);
    // Still serving.
    const fresh = new WebSocket(url);
    await new Promise((resolve) => fresh.once('open', resolve));
    fresh.close();
    await closed(fresh);
  });

  it('client side: a refused connection reports close 1006 and throws nothing', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const ws = new WebSocket(`ws://${LOOPBACK}:${port}`); // deliberately no 'error' listener
    const { code } = await closed(ws);
    expect(code).toBe(1006);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });
});
