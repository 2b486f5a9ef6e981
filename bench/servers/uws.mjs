// uWebSockets.js (C++) with the same behaviour as ws-like-server.mjs, for the uWS column:
//   /          echo: every message goes back to its sender, same type (text or binary)
//   /publish   broadcast: uWS's own pub/sub to every connection on /receive (subscribed to one topic)
// Options come as one JSON argument: { perMessageDeflate?: boolean }.
import { loadUws } from '../lib/uws.mjs';
import { serveControl } from './control.mjs';

const uWS = loadUws();
const options = JSON.parse(process.argv[2] ?? '{}');
const TOPIC = 'all';
// uWS compresses a message only when asked (send's third argument), where ws and ws6455 compress
// every message once permessage-deflate is negotiated.
const COMPRESS = Boolean(options.perMessageDeflate);
let connections = 0;

const shared = {
  // As large as ws's default maxPayload (100 MiB): uWS's own default, 16 KiB, would close 64 KiB echoes.
  maxPayloadLength: 100 * 1024 * 1024,
  // Messages past this backlog would be dropped; ws6455 and ws queue them, so uWS must too.
  maxBackpressure: 1024 * 1024 * 1024,
  idleTimeout: 0,
  // The deflate scenarios: the compressor and decompressor with a context per connection, as ws and ws6455 have.
  compression: options.perMessageDeflate ? uWS.DEDICATED_COMPRESSOR_32KB | uWS.DEDICATED_DECOMPRESSOR : uWS.DISABLED,
  close: () => connections--,
};

const app = uWS
  .App()
  .ws('/publish', {
    ...shared,
    open: () => connections++,
    // app.publish: ws.publish from a socket on another route reached no subscriber in this build.
    message: (ws, message, isBinary) => app.publish(TOPIC, message, isBinary, COMPRESS),
  })
  // Broadcast receivers come on /receive (an echo path for the other servers) so that echo and
  // idle connections carry no subscription.
  .ws('/receive', {
    ...shared,
    open: (ws) => {
      connections++;
      ws.subscribe(TOPIC);
    },
    message: (ws, message, isBinary) => ws.send(message, isBinary, COMPRESS),
  })
  .ws('/*', {
    ...shared,
    open: () => connections++,
    message: (ws, message, isBinary) => ws.send(message, isBinary, COMPRESS),
  });

app.listen('127.0.0.1', 0, (listenSocket) => {
  if (!listenSocket) throw new Error('uWS could not listen');
  serveControl({ port: uWS.us_socket_local_port(listenSocket), connectionCount: () => connections });
});
