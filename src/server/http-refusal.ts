// Refusing a handshake: an HTTP error response, then the socket is closed.

import type { Duplex } from 'node:stream';
import { buildErrorResponse } from '../handshake/server.js';

export function onHandshakeSocketError(this: Duplex): void {
  this.destroy();
}

/** Answer a refused handshake with an HTTP error and close the socket. */
export function abortHandshake(socket: Duplex, status: number, message?: string, headers?: Record<string, string | number>): void {
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(buildErrorResponse(status, message, headers));
}
