// One echo/broadcast server written against the ws API, run once with the ws package and once
// with ws6455 (a drop-in for it): the same handler code, so only the library differs.
//   /          echo: every message goes back to its sender, same type (text or binary)
//   /publish   broadcast: every message from this connection goes to all other clients
// Options come as one JSON argument: { perMessageDeflate?: boolean }.
import { serveControl } from './control.mjs';

const SEND_BINARY = { binary: true };
const SEND_TEXT = { binary: false };

/**
 * Start the server. `broadcast(wss, data, isBinary, except)` is the library's best way to send
 * one message to every other client: a loop for ws, wss.broadcast for ws6455.
 */
export function startServer({ WebSocketServer, broadcast, describe }) {
  const options = JSON.parse(process.argv[2] ?? '{}');
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: options.perMessageDeflate ?? false,
  });
  // Listeners are shared functions that find their socket through `this` (EventEmitter binds
  // it), so the per-connection memory figure measures the library, not closures made here.
  function echo(data, isBinary) {
    this.send(data, isBinary ? SEND_BINARY : SEND_TEXT);
  }
  function publish(data, isBinary) {
    broadcast(wss, data, isBinary, this);
  }
  wss.on('connection', (ws, request) => {
    ws.on('message', request.url === '/publish' ? publish : echo);
    ws.on('error', ignoreError);
  });
  wss.on('listening', () => {
    serveControl({ port: wss.address().port, connectionCount: () => wss.clients.size, describe });
  });
}

// A load generator going away at the end of a run resets its sockets; not worth a crash.
function ignoreError() {}
