// The library under test, from the built package (npm run build; WS6455_DIST=<dist folder> picks
// another build, e.g. a baseline); broadcasts with its own wss.broadcast, which frames a message
// once for all clients.
import { pathToFileURL } from 'node:url';
import { startServer } from './ws-like-server.mjs';

const entry = process.env.WS6455_DIST ? pathToFileURL(`${process.env.WS6455_DIST}/esm/index.js`).href : '../../dist/esm/index.js';
const { WebSocketServer } = await import(entry);

function broadcast(wss, data, isBinary, except) {
  wss.broadcast(data, { binary: isBinary, except });
}

startServer({ WebSocketServer, broadcast });
