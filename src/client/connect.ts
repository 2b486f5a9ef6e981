// The client's entry point: every option is checked (options.ts) before the first handshake
// attempt dials (handshake.ts), so a constructor that throws leaves no connection behind.

import type { ClientOptionsFor, HandshakeOptions } from './client-options.js';
import { ClientHandshake } from './handshake.js';
import type { HandshakeHost } from './host.js';
import { planClient } from './options.js';

export type { ClientHandshake };

export function connectClient<Socket extends HandshakeHost>(ws: Socket, address: string | URL, protocols: string[], options: ClientOptionsFor<Socket>): void {
  // finishRequest is only ever given `ws` itself (handshake.ts), so seeing it as taking the host is safe.
  const plan = planClient(address, protocols, options as HandshakeOptions);
  ws.setUrl(plan.target.url.href);
  new ClientHandshake(ws, plan, 0).start();
}
