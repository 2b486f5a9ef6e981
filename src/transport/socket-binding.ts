// Socket events reach their connection through shared module-level listeners that find it in a
// symbol-keyed field: a connection costs no closures (memory per connection is the cost at scale).

import type { Duplex } from 'node:stream';

/** What a bound socket's events are delivered to. */
export interface SocketEventSink {
  onSocketData(chunk: Buffer): void;
  onSocketEnd(): void;
  onSocketClose(): void;
  onSocketDrain(): void;
}

const kSink = Symbol('ws6455.connection');
type BoundSocket = Duplex & { [kSink]?: SocketEventSink };

function onData(this: BoundSocket, chunk: Buffer): void {
  this[kSink]?.onSocketData(chunk);
}
function onEnd(this: BoundSocket): void {
  this[kSink]?.onSocketEnd();
}
function onClose(this: BoundSocket): void {
  this[kSink]?.onSocketClose();
}
function onDrain(this: BoundSocket): void {
  this[kSink]?.onSocketDrain();
}
function onError(this: BoundSocket): void {
  // After the handshake a socket error only means the connection is gone: 'close' follows with
  // 1006, as ws reports it; the error itself is not surfaced.
  this.destroy();
}

/** Deliver the socket's events to `sink`; Nagle off (frames are already batched by corking). */
export function bindSocket(socket: Duplex, sink: SocketEventSink): void {
  (socket as BoundSocket)[kSink] = sink;
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onClose);
  socket.on('error', onError);
  if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
  if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(0);
}

/** Wait (once, however often asked while waiting) for the socket's 'drain'. */
export function awaitDrain(socket: Duplex): void {
  socket.once('drain', onDrain);
}

/** Whether a WebSocket connection already owns this socket (a second handleUpgrade is a bug). */
export function isBoundSocket(socket: Duplex): boolean {
  return (socket as BoundSocket)[kSink] !== undefined;
}
