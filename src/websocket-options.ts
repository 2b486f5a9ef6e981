// Types of the ws-compatible WebSocket's face: ready states, send options, binary types, and the
// per-connection settings the server or the client handshake hands to it.

import type { ConnectionOptions } from './transport/connection.js';

export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';

/** The ready-state values (the WebSocket API's readyState numbers). */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

/** Per-connection settings the server (or the client handshake) decided. @internal */
export interface SocketSettings extends ConnectionOptions {
  role: 'server' | 'client';
  maxPayload: number;
  skipUTF8Validation: boolean;
  maxBufferedAmount: number;
  protocol: string;
  extensions: string;
  /** The client's generateMask option: fills each frame's 4-byte masking key. */
  generateMask?: (mask: Buffer) => void;
}

export interface SendOptions {
  /** Send as binary. Default: true unless data is a string. */
  binary?: boolean;
  /** Compress with permessage-deflate when negotiated. Default true. */
  compress?: boolean;
  /** Last fragment of the message. Default true. */
  fin?: boolean;
  /** Mask the frame. Default: true for clients, false for servers. */
  mask?: boolean;
}

/**
 * ws's shape (issue 11): the ready-state constants are read-only (non-writable, non-configurable)
 * on the class and the prototype, and the attributes are enumerable accessors of the prototype.
 */
export function defineWsShape(cls: { prototype: object }): void {
  for (const [name, value] of Object.entries(ReadyState)) {
    Object.defineProperty(cls, name, { value, enumerable: true });
    Object.defineProperty(cls.prototype, name, { value, enumerable: true });
  }
  for (const name of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url']) {
    Object.defineProperty(cls.prototype, name, { enumerable: true });
  }
}
