// The public surface of ws6455, and nothing else.
import { createWebSocketStream } from './stream.js';
import { WebSocket } from './websocket.js';
import { WebSocketServer } from './server.js';

export { WebSocket, WebSocketServer, createWebSocketStream };
/** ws exports the server class under this name too. */
export { WebSocketServer as Server };
export type { ClientOptions, SendOptions, BinaryType } from './websocket.js';
export type { ServerOptions, UpgradeRequest, VerifyClientInfo, VerifyClientCallback } from './server.js';
export type { BroadcastOptions } from './broadcast.js';
export type { HeartbeatOptions } from './heartbeat.js';
export type { PerMessageDeflateOptions } from './protocol/deflate.js';
export type { LocalDelivery, ScaleOutAdapter, ForwardedMessage } from './adapters/adapter.js';
export { WsEvent as Event, WsMessageEvent as MessageEvent, WsCloseEvent as CloseEvent, WsErrorEvent as ErrorEvent } from './event-target.js';

// Beyond one connection: reconnecting client, JSON messages, scale-out across processes.
export { ReconnectingWebSocket, QueueFullError, isRetryableCloseCode, reconnectDelay } from './reconnect.js';
export type {
  ReconnectingWebSocketOptions,
  ReconnectOptions,
  ReconnectingWebSocketEvents,
  GiveUpReason,
  QueueFullPolicy,
  BackoffOptions,
} from './reconnect.js';
export { JsonChannel, JsonMessageError, sendJson, parseJsonMessage } from './json.js';
export type { JsonChannelOptions, TypedMessage, JsonMessageErrorCode } from './json.js';
export { RedisAdapter, RedisAdapterError } from './adapters/redis.js';
export type { RedisAdapterOptions, RedisAdapterErrorCode, RedisClient } from './adapters/redis.js';

export default WebSocket;
