// createWebSocketStream: a Duplex over a WebSocket. Messages become readable chunks (the socket
// is paused while the stream's buffer is full), writes become messages, end() closes the socket.

import { Duplex, type DuplexOptions } from 'node:stream';
import type { WebSocket } from '../websocket.js';

function emitClose(duplex: Duplex): void {
  duplex.emit('close');
}

export function createWebSocketStream(ws: WebSocket, options: DuplexOptions = {}): Duplex {
  let closed = false;
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
      if (ws.readyState === ws.CONNECTING) {
        ws.once('open', () => ws.send(chunk, callback));
        return;
      }
      ws.send(chunk, callback);
    },
    final(callback) {
      if (ws.readyState === ws.CONNECTING) {
        ws.once('open', () => duplex.end());
        callback();
        return;
      }
      if (closed || ws.readyState === ws.CLOSED) {
        callback();
        return;
      }
      ws.once('close', () => callback());
      ws.close();
    },
    destroy(error, callback) {
      // 'close' is emitted by hand (emitClose is off) once the WebSocket itself is closed.
      if (closed || ws.readyState === ws.CLOSED) {
        callback(error);
        process.nextTick(emitClose, duplex);
        return;
      }
      ws.once('close', () => {
        callback(error);
        process.nextTick(emitClose, duplex);
      });
      ws.terminate();
    },
  });

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const chunk = !isBinary && duplex.readableObjectMode ? data.toString() : data;
    if (!duplex.push(chunk)) ws.pause();
  });
  ws.once('error', (error: Error) => {
    if (duplex.destroyed) return;
    // Let the close that follows end the readable side, then report the error.
    duplex.destroy(error);
  });
  ws.once('close', () => {
    closed = true;
    if (duplex.destroyed) return;
    duplex.push(null);
  });
  duplex.on('end', () => {
    if (duplex.writableFinished || ws.readyState === ws.CLOSED) duplex.destroy();
  });
  duplex.on('finish', () => {
    if (duplex.readableEnded) duplex.destroy();
  });
  return duplex;
}
