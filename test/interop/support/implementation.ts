// The two implementations the interop and compatibility tests drive: the `ws` package (the
// reference peer and the behaviour ws6455 promises to match) and ws6455 itself, from its
// TypeScript sources. Both are typed with ws's declarations on purpose: code written against
// ws must work by swapping the import, so the tests use ws6455 exactly as a ws user would.
import * as wsPackage from 'ws';
import * as ws6455Api from '../../../src/index.js';

export interface Implementation {
  readonly name: 'ws' | 'ws6455';
  readonly WebSocket: typeof wsPackage.WebSocket;
  readonly WebSocketServer: typeof wsPackage.WebSocketServer;
  readonly createWebSocketStream: typeof wsPackage.createWebSocketStream;
}

export const wsReference: Implementation = {
  name: 'ws',
  WebSocket: wsPackage.WebSocket,
  WebSocketServer: wsPackage.WebSocketServer,
  createWebSocketStream: wsPackage.createWebSocketStream,
};

/** ws6455 from src/, viewed through ws's types (see the header comment). */
export const ws6455: Implementation = {
  name: 'ws6455',
  WebSocket: ws6455Api.WebSocket as unknown as typeof wsPackage.WebSocket,
  WebSocketServer: ws6455Api.WebSocketServer as unknown as typeof wsPackage.WebSocketServer,
  createWebSocketStream: ws6455Api.createWebSocketStream as unknown as typeof wsPackage.createWebSocketStream,
};
