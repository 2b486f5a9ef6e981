// The ceiling and the floor: a bare node:net server that writes back whatever it reads.
// Echo scenarios send it the same masked frames as the WebSocket servers (counted as raw bytes
// by the load generator); the idle scenario uses it as the memory floor per connection.
import { createServer } from 'node:net';
import { serveControl } from './control.mjs';

let connections = 0;

const server = createServer({ noDelay: true }, (socket) => {
  connections++;
  socket.on('data', echoChunk);
  socket.on('error', ignoreError);
  socket.on('close', forgetConnection);
});

function echoChunk(chunk) {
  this.write(chunk);
}

function forgetConnection() {
  connections--;
}

// A load generator going away mid-write resets the socket; that is the end of a run, not a bug.
function ignoreError() {}

server.listen(0, '127.0.0.1', 1024, () => {
  serveControl({ port: server.address().port, connectionCount: () => connections });
});
