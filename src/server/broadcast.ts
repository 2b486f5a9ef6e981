// One message, many sockets: server frames are never masked (RFC 6455 §5.1), so the bytes of one
// frame are valid for every client. Framing once and writing the same Buffer to each socket
// saves the per-client framing and copying that `clients.forEach(c => c.send(data))` pays.
// With permessage-deflate, a compressed frame can serve every client that negotiated
// server_no_context_takeover (no shared history, RFC 7692 §7.1.1.1) with the same window size,
// so such clients get one compression per broadcast instead of one each.

import { encodeFrameToBuffer } from '../protocol/frame-writer.js';
import { Opcode } from '../protocol/opcodes.js';
import { PerMessageDeflate } from '../transport/deflate-codec.js';
import { toBuffer, type SendableData } from '../message-data.js';
import type { WebSocket } from '../websocket.js';

export interface BroadcastOptions {
  /** Send as binary. Default: true unless data is a string. */
  binary?: boolean;
  /** Skip this client (typically the sender). */
  except?: WebSocket | null;
  /** Send only to clients for which this returns true. */
  filter?: (ws: WebSocket) => boolean;
  /**
   * Compress for clients that negotiated permessage-deflate with server_no_context_takeover, once
   * per window size. Default true. Clients that keep a compression context get the frame
   * uncompressed (still valid: RSV1 marks each message independently).
   */
  compress?: boolean;
  /**
   * Filled in with what happened: `delivered` (the return value) and `skipped`, the open
   * clients the slow-consumer policy refused (maxBufferedAmount: they are closed with 1008).
   */
  report?: BroadcastReport;
}

export interface BroadcastReport {
  delivered: number;
  skipped: number;
}

/**
 * What a broadcast carries, settled once before it goes anywhere (local sockets, other nodes):
 * a string stays text, a number becomes its text as in send(), the rest a Buffer (no copy).
 */
export interface BroadcastPayload {
  data: string | Buffer;
  binary: boolean;
}

export function toBroadcastPayload(data: SendableData, binary: boolean | undefined): BroadcastPayload {
  if (typeof Blob !== 'undefined' && data instanceof Blob) {
    throw new TypeError('broadcast() takes a string, Buffer, ArrayBuffer or typed array, not a Blob');
  }
  const settled = typeof data === 'number' ? String(data) : typeof data === 'string' ? data : toBuffer(data as Exclude<SendableData, Blob | number>);
  return { data: settled, binary: binary ?? typeof settled !== 'string' };
}

/** Write one message to every OPEN client that passes the options; returns how many it went to. */
export function writeBroadcast(message: BroadcastPayload, clients: Iterable<WebSocket>, options: BroadcastOptions): number {
  const payload = typeof message.data === 'string' ? Buffer.from(message.data) : message.data;
  const opcode = message.binary ? Opcode.Binary : Opcode.Text;
  let plain: Buffer | null = null;
  // Compressed frames are shared per window size (the only parameter that changes the bytes).
  const groups = new Map<number, { codec: PerMessageDeflate; clients: WebSocket[] }>();
  let count = 0;
  let candidates = 0;
  for (const ws of clients) {
    if (ws === options.except || ws.readyState !== ws.OPEN) continue;
    if (options.filter !== undefined && !options.filter(ws)) continue;
    candidates++;
    const codec = options.compress === false ? null : sharedCompressionOf(ws, payload.length);
    if (codec === null) {
      if (ws.writeFrame((plain ??= encodeFrameToBuffer(payload, { opcode, fin: true })))) count++;
      continue;
    }
    const bits = codec.params.serverMaxWindowBits;
    const group = groups.get(bits);
    if (group === undefined) groups.set(bits, { codec, clients: [ws] });
    else group.clients.push(ws);
  }
  for (const group of groups.values()) count += compressOnce(payload, opcode, group.codec, group.clients);
  if (options.report !== undefined) {
    options.report.delivered = count;
    options.report.skipped = candidates - count;
  }
  return count;
}

/** The codec of a client whose compressed frames may be shared, when this payload is worth compressing. */
function sharedCompressionOf(ws: WebSocket, length: number): PerMessageDeflate | null {
  const codec = ws._connection?.compression ?? null;
  if (codec === null || !codec.params.serverNoContextTakeover || length < codec.threshold) return null;
  return codec;
}

/** Compress once, write to every client that accepted a reserved slot; returns how many. */
function compressOnce(payload: Buffer, opcode: number, template: PerMessageDeflate, clients: WebSocket[]): number {
  const fills: Array<(error: Error | null, buffers?: Buffer[]) => void> = [];
  for (const ws of clients) {
    const fill = ws.reserveFrame(payload.length);
    if (fill !== null) fills.push(fill);
  }
  if (fills.length === 0) return 0;
  // A codec of our own: with no context takeover it holds no history, and using a client's
  // codec would queue behind that client's own sends.
  const codec = new PerMessageDeflate(template.params, 'server', template.options);
  codec.compress(payload, (error, compressed) => {
    codec.cleanup();
    const frame = compressed === undefined ? undefined : [encodeFrameToBuffer(compressed, { opcode, fin: true, rsv1: true })];
    for (const fill of fills) fill(error, frame);
  });
  return fills.length;
}
