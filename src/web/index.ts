// ws6455/web: the WHATWG WebSocket and the WebSocketStream proposal, for code written against the
// browser API. `globalThis.WebSocket = WebSocket` lets such code run unchanged in Node.

export { WebSocket, type BinaryType } from './websocket.js';
export { CloseEvent, MessageEvent, type CloseEventInit, type MessageEventInit } from './events.js';
export { WebSocketError, type WebSocketCloseInfo } from './errors.js';
export { WebSocketStream, type WebSocketStreamOptions, type WebSocketOpenInfo } from './websocket-stream.js';
export { setBaseURL, getBaseURL } from './url.js';
