// Client options beyond the core ones in websocket.ts: how the request is made (agent, auth,
// finishRequest), masking (generateMask), and ws 8.21+ receiver limits that ws6455 accepts.

import type { Agent, ClientRequest } from 'node:http';
import type { WebSocket } from '../websocket.js';

export interface ClientRequestOptions {
  /**
   * An http(s).Agent (e.g. a proxy agent): the handshake is then made with http.request through
   * it, as ws does, so `agent.addRequest` runs. Default: none (a direct connection).
   */
  agent?: Agent | false;
  /** `user:password` sent as `Authorization: Basic` (credentials in the URL win). Default: none. */
  auth?: string;
  /**
   * Called with the handshake's http.ClientRequest before it is ended; it must call
   * `request.end()`. Default: none (the request is ended at once).
   */
  finishRequest?: (request: ClientRequest, websocket: WebSocket) => void;
  /** Fills the 4-byte masking key of each frame (e.g. zeros for tests). Default: random keys. */
  generateMask?: (mask: Buffer) => void;
  /**
   * Accepted for ws compatibility (ws 8.21+): ws6455 always emits events as frames are parsed.
   * Default true.
   */
  allowSynchronousEvents?: boolean;
  /**
   * Accepted for ws compatibility (ws 8.21+): ws6455 bounds what a peer can make it buffer by
   * bytes (`maxPayload`, counted across fragments), which also bounds chunk and fragment counts.
   */
  maxBufferedChunks?: number;
  /** Accepted for ws compatibility (ws 8.21+); see maxBufferedChunks. */
  maxFragments?: number;
}
