// The public surface of ws6455, and nothing else.
import { createWebSocketStream } from './extras/stream.js';
import { WebSocket } from './websocket.js';
import { WebSocketServer } from './server/websocket-server.js';

export { WebSocket, WebSocketServer, createWebSocketStream };
// ws's statics (issue 11): require('ws6455').Sender, .Receiver, .PerMessageDeflate, .extension, .subprotocol.
export { Sender, Receiver, PerMessageDeflate, extension, subprotocol } from './ws-compat/index.js';
/** ws exports the server class under this name too. */
export { WebSocketServer as Server };
// WebSocket.Server, WebSocket.ServerOptions...: a types-only augmentation, exporting no name of its own.
export type * from './server/ws-namespace.js';
export type { ClientOptions, FinishRequestCallback, SendOptions, BinaryType } from './websocket.js';
export type { UpgradeRequest, VerifyClientCallback } from './server/websocket-server.js';
// The names ws's types export (issue 11), so that `import { type RawData } from 'ws6455'` compiles as with ws.
export type { ServerOptions, VerifyClientInfo, VerifyClientCallbackSync, VerifyClientCallbackAsync, WebSocketServerEvents } from './server/server-types.js';
export type { RawData, Data, CertMeta, BufferLike, WebSocketEvents, WebSocketEventMap, EventListenerOptions } from './websocket-events.js';
export type { AddressInfo } from 'node:net';
export type { BroadcastOptions, BroadcastReport } from './server/broadcast.js';
export type { HeartbeatOptions } from './server/heartbeat.js';
export type { PerMessageDeflateOptions } from './handshake/permessage-deflate.js';
export type { LocalDelivery, ScaleOutAdapter, ForwardedMessage } from './extras/adapters/adapter.js';
export { Event, MessageEvent, CloseEvent, ErrorEvent } from './event-target.js';

// Beyond one connection: reconnecting client, JSON messages, scale-out across processes.
export { ReconnectingWebSocket, QueueFullError, isRetryableCloseCode, reconnectDelay } from './extras/reconnect.js';
export type {
  ReconnectingWebSocketOptions,
  ReconnectOptions,
  ReconnectingWebSocketEvents,
  GiveUpReason,
  QueueFullPolicy,
  BackoffOptions,
} from './extras/reconnect.js';
export { JsonChannel, JsonMessageError, sendJson, parseJsonMessage } from './extras/json.js';
export type { JsonChannelOptions, TypedMessage, JsonMessageErrorCode } from './extras/json.js';
export { RedisAdapter, RedisAdapterError } from './extras/adapters/redis.js';
export type { RedisAdapterOptions, RedisAdapterErrorCode, RedisClient } from './extras/adapters/redis.js';
// Issue 16: Redis Streams adapter, session resume, graceful drain.
export { RedisStreamsAdapter } from './extras/adapters/redis-streams.js';
export type { RedisStreamsAdapterOptions, RedisStreamsAdapterStats, RedisCommandClient, OutboxFullPolicy } from './extras/adapters/redis-streams.js';
export type { HealthCheckOptions } from './extras/adapters/health-check.js';
export type { ResumableAdapter, LoggedMessage } from './extras/adapters/adapter.js';
export { sessionOf } from './server/session-resume.js';
export type { SessionResumeOptions } from './server/session-resume.js';
export type { DrainOptions } from './server/drain.js';
export type { SessionOutcome } from './extras/reconnect.js';

export default WebSocket;
