// The library under test, from the built package (npm run build); broadcasts with its own
// wss.broadcast, which frames a message once for all clients.
import { WebSocketServer } from '../../dist/esm/index.js';
import { startServer } from './ws-like-server.mjs';

function broadcast(wss, data, isBinary, except) {
  wss.broadcast(data, { binary: isBinary, except });
}

startServer({ WebSocketServer, broadcast });
