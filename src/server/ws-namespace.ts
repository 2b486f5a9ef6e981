// The server's types behind ws's `WebSocket.Server`, `WebSocket.ServerOptions` and
// `WebSocket.VerifyClientCallbackSync/Async`. The server stands above the WebSocket class (it
// creates its sockets), so websocket.ts leaves them to a registry (ServerTypes) that this file
// fills in by augmentation, rather than importing the server. The registry, not the class, is
// augmented: a second augmentation of the class would part it from the one users write against
// 'ws6455' (`interface WebSocket { isAlive: boolean }`). Types only: index.ts brings this file
// into the published declarations with `export type *`, and no code loads it.

import type { IncomingMessage } from 'node:http';
import type { WebSocket } from '../websocket.js';
import type { ServerOptions, VerifyClientCallbackAsync, VerifyClientCallbackSync } from './server-types.js';
import type { WebSocketServer } from './websocket-server.js';

declare module '../websocket.js' {
  interface ServerTypes<T extends typeof WebSocket, U extends typeof IncomingMessage, Request extends IncomingMessage> {
    server: WebSocketServer<T, U>;
    options: ServerOptions<T, U>;
    verifySync: VerifyClientCallbackSync<Request>;
    verifyAsync: VerifyClientCallbackAsync<Request>;
  }
}
