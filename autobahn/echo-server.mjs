// The server under test for Autobahn's fuzzingclient: echoes every message with the same binary
// flag, permessage-deflate enabled. Port from PORT (default 9001, as fuzzingclient.json expects).
import { WebSocketServer } from '../dist/esm/index.js';

const port = Number(process.env.PORT ?? 9001);
const server = new WebSocketServer({ port, perMessageDeflate: true });

server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on('error', () => {
    // Protocol errors are what the suite provokes; the close frame reports them.
  });
});
server.on('listening', () => console.log(`ws6455 echo server on ws://127.0.0.1:${port}`));

const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
