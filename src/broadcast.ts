// One message, many sockets: server frames are never masked (RFC 6455 §5.1), so the bytes of one
// frame are valid for every client. Framing once and writing the same Buffer to each socket
// saves the per-client framing and copying that `clients.forEach(c => c.send(data))` pays.

import { encodeFrameToBuffer } from './protocol/frame-writer.js';
import { Opcode } from './protocol/opcodes.js';
import { toBuffer, type SendableData } from './send-data.js';
import type { WebSocket } from './websocket.js';

export interface BroadcastOptions {
  /** Send as binary. Default: true unless data is a string. */
  binary?: boolean;
  /** Skip this client (typically the sender). */
  except?: WebSocket | null;
  /** Send only to clients for which this returns true. */
  filter?: (ws: WebSocket) => boolean;
}

export interface PreparedFrame {
  /** Write the frame to every OPEN client that passes the options; returns how many. */
  writeTo(clients: Iterable<WebSocket>, options: BroadcastOptions): number;
}

export function frameForBroadcast(data: SendableData, options: BroadcastOptions): PreparedFrame {
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    throw new TypeError('broadcast() takes a string, Buffer, ArrayBuffer or typed array, not a Blob');
  }
  const payload = toBuffer(typeof data === 'number' ? String(data) : (data as Exclude<SendableData, Blob | number>));
  const binary = options.binary ?? typeof data !== 'string';
  const frame = encodeFrameToBuffer(payload, { opcode: binary ? Opcode.Binary : Opcode.Text, fin: true });
  return { writeTo: (clients, opts) => writeFrame(frame, clients, opts) };
}

function writeFrame(frame: Buffer, clients: Iterable<WebSocket>, options: BroadcastOptions): number {
  const { except, filter } = options;
  let count = 0;
  for (const ws of clients) {
    if (ws === except || ws.readyState !== ws.OPEN) continue;
    if (filter !== undefined && !filter(ws)) continue;
    if (ws.writeFrame(frame)) count++;
  }
  return count;
}
