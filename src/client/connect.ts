// The client's entry point: every option is checked (options.ts) before the first handshake
// attempt dials (handshake.ts), so a constructor that throws leaves no connection behind.

import type { WebSocket } from '../websocket.js';
import type { ClientOptions } from './client-options.js';
import { ClientHandshake } from './handshake.js';
import { planClient } from './options.js';

export type { ClientHandshake };

export function connectClient(ws: WebSocket, address: string | URL, protocols: string[], options: ClientOptions): void {
  const plan = planClient(address, protocols, options);
  ws.setUrl(plan.target.url.href);
  new ClientHandshake(ws, plan, 0).start();
}
