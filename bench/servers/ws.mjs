// The reference: the ws package. The runner starts it twice, with its native addons
// (bufferutil, utf-8-validate) and in pure JavaScript (WS_NO_BUFFER_UTIL=1 WS_NO_UTF_8_VALIDATE=1).
import { createRequire } from 'node:module';
import { WebSocketServer } from 'ws';
import { startServer } from './ws-like-server.mjs';

const OPEN = 1;

/** The loop the ws README recommends for broadcasting. */
function broadcast(wss, data, isBinary, except) {
  const options = { binary: isBinary };
  for (const client of wss.clients) {
    if (client !== except && client.readyState === OPEN) client.send(data, options);
  }
}

startServer({ WebSocketServer, broadcast, describe: () => ({ nativeAddons: nativeAddonsInUse() }) });

/** Mirrors ws's own rule: an addon is used when it loads and its opt-out variable is unset. */
function nativeAddonsInUse() {
  const require = createRequire(import.meta.url);
  const loads = (name) => {
    try {
      require(name);
      return true;
    } catch {
      return false;
    }
  };
  return {
    bufferutil: !process.env.WS_NO_BUFFER_UTIL && loads('bufferutil'),
    utf8Validate: !process.env.WS_NO_UTF_8_VALIDATE && loads('utf-8-validate'),
  };
}
