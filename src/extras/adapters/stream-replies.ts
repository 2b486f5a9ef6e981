// Reading the replies of XREAD and XRANGE. Over RESP2 (both libraries' default) an entry is
// [id, [field, value, field, value...]] and XREAD wraps entries as [[key, entries], ...]; over
// RESP3 node-redis answers XREAD with a Map from key to entries. Both shapes are accepted.

import { replyText } from './redis-commands.js';

export interface StreamEntry {
  /** The Redis stream id, "<ms>-<seq>". */
  streamId: string;
  /** The publisher-assigned message id (field `i`). */
  messageId: string;
  /** The envelope (field `e`). */
  envelope: Buffer;
}

/** Entries of one XRANGE reply, or of one stream in an XREAD reply; malformed entries are skipped. */
export function parseEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: StreamEntry[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || item.length < 2) continue;
    const fields = item[1] as unknown[];
    let messageId: string | undefined;
    let envelope: Buffer | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = replyText(fields[i]);
      if (name === 'i') messageId = replyText(fields[i + 1]);
      else if (name === 'e' && Buffer.isBuffer(fields[i + 1])) envelope = fields[i + 1] as Buffer;
    }
    if (messageId !== undefined && envelope !== undefined) entries.push({ streamId: replyText(item[0]), messageId, envelope });
  }
  return entries;
}

/** The entries of the one stream an XREAD asked for (null reply: nothing new before the BLOCK timeout). */
export function parseXRead(reply: unknown): StreamEntry[] {
  if (reply === null || reply === undefined) return [];
  if (reply instanceof Map) {
    for (const value of reply.values()) return parseEntries(value);
    return [];
  }
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const first = reply[0] as unknown[];
  return Array.isArray(first) ? parseEntries(first[1]) : [];
}

/** Compares two stream ids ("ms-seq") numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = splitId(a);
  const [bMs, bSeq] = splitId(b);
  return aMs === bMs ? Math.sign(aSeq - bSeq) : Math.sign(aMs - bMs);
}

function splitId(id: string): [number, number] {
  const dash = id.indexOf('-');
  return dash === -1 ? [Number(id), 0] : [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}
