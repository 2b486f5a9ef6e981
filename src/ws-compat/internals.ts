// What code written for ws reaches for in ws's internals, on the WebSocket's prototype: engine.io
// (Socket.IO) reads `ws._socket` and writes pre-encoded frames through `ws._sender.sendFrame`.

import type { Duplex } from 'node:stream';

interface InternalsHost {
  readonly _connection: { readonly socket: Duplex } | null;
}

export function installWsInternals(prototype: InternalsHost): void {
  Object.defineProperties(prototype, {
    /** The raw socket. */
    _socket: {
      configurable: true,
      get(this: InternalsHost) {
        return this._connection?.socket;
      },
    },
    /** ws's sender shape: engine.io reads it once per packet per client; the Connection itself has it. */
    _sender: {
      configurable: true,
      get(this: InternalsHost) {
        return this._connection ?? undefined;
      },
    },
  });
}

