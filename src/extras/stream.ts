// createWebSocketStream: a Duplex over a WebSocket, with ws's observable behaviour. Messages
// become readable chunks (the socket is paused while the stream's buffer is full), writes become
// messages, end() closes the WebSocket once its own writing side is done, and the stream is
// destroyed when both sides are over. Writes and end() while CONNECTING wait for 'open'.

import { Duplex, type DuplexOptions } from 'node:stream';
import type { WebSocket } from '../websocket.js';

function emitClose(duplex: Duplex): void {
  duplex.emit('close');
}

/** The readable side ended: once the writable side has finished too, the stream is over. */
function duplexOnEnd(this: Duplex): void {
  if (!this.destroyed && this.writableFinished) this.destroy();
}

/** An error on the stream destroys it; it is re-emitted only if no one else listens. */
function duplexOnError(this: Duplex, error: Error): void {
  this.removeListener('error', duplexOnError);
  this.destroy();
  if (this.listenerCount('error') === 0) this.emit('error', error);
}

function whenOpen(ws: WebSocket, action: () => void): void {
  if (ws.readyState === ws.CONNECTING) ws.once('open', action);
  else action();
}

export function createWebSocketStream(ws: WebSocket, options: DuplexOptions = {}): Duplex {
  // After an 'error' the WebSocket closes by itself; terminating it would cut the close short.
  let terminateOnDestroy = true;
  const duplex = new Duplex({
    ...options,
    autoDestroy: false,
    emitClose: false,
    objectMode: false,
    writableObjectMode: false,
    read() {
      if (ws.isPaused) ws.resume();
    },
    write(chunk: Buffer | string, _encoding, callback) {
      whenOpen(ws, () => ws.send(chunk, callback));
    },
    final(callback) {
      whenOpen(ws, () => finishWriting(ws, duplex, callback));
    },
    destroy(error, callback) {
      if (ws.readyState === ws.CLOSED) {
        callback(error);
        process.nextTick(emitClose, duplex);
        return;
      }
      let called = false;
      ws.once('error', (wsError: Error) => {
        called = true;
        callback(wsError);
      });
      ws.once('close', () => {
        if (!called) callback(error);
        process.nextTick(emitClose, duplex);
      });
      if (terminateOnDestroy) ws.terminate();
    },
  });

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const chunk = !isBinary && duplex.readableObjectMode ? data.toString() : data;
    if (!duplex.push(chunk)) ws.pause();
  });
  ws.once('error', (error: Error) => {
    if (duplex.destroyed) return;
    terminateOnDestroy = false;
    duplex.destroy(error);
  });
  ws.once('close', () => {
    if (duplex.destroyed) return;
    duplex.push(null);
  });
  duplex.on('end', duplexOnEnd);
  duplex.on('error', duplexOnError);
  return duplex;
}

/**
 * end(): the WebSocket is closed, and the stream's writing side is finished when the socket's
 * own writing side is (the close frame is out and TCP is half-closed), as with ws.
 */
function finishWriting(ws: WebSocket, duplex: Duplex, callback: (error?: Error | null) => void): void {
  const socket = ws._socket;
  // Never connected (the handshake failed): ws leaves end() pending too; 'close' still follows.
  if (socket === undefined || socket === null) return;
  if (socket.writableFinished) {
    callback();
    if (duplex.readableEnded) duplex.destroy();
    return;
  }
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    callback();
  };
  socket.once('finish', finish);
  // ws6455 may drop TCP without half-closing it first (e.g. after a close timeout).
  ws.once('close', finish);
  ws.close();
}
