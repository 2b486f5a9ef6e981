// Shared helpers for protocol tests: bytes from hex, driving a parser to its end.
import { FrameParser, type Frame, type FrameParserOptions } from '../../src/protocol/frame-parser.js';
import { MessageReader, type MessageReaderOptions, type ProtocolEvent } from '../../src/protocol/message.js';
import { isViolation, type ProtocolViolation } from '../../src/protocol/violation.js';

/** Bytes from a hex string; spaces are ignored. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

export const serverOptions: FrameParserOptions = { role: 'server', maxPayload: 0, allowRsv1: false };
export const clientOptions: FrameParserOptions = { role: 'client', maxPayload: 0, allowRsv1: false };

/** Push each chunk and pull every frame; stops at the first violation. */
export function parseAll(options: FrameParserOptions, ...chunks: Buffer[]): Array<Frame | ProtocolViolation> {
  const parser = new FrameParser(options);
  const results: Array<Frame | ProtocolViolation> = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    for (let result = parser.next(); result !== null; result = parser.next()) {
      results.push(result);
      if (isViolation(result)) return results;
    }
  }
  return results;
}

/** The single violation the bytes produce (fails the test if there is none). */
export function violationOf(options: FrameParserOptions, bytes: Buffer): ProtocolViolation {
  const results = parseAll(options, bytes);
  const last = results[results.length - 1];
  if (!isViolation(last)) throw new Error(`expected a violation, got ${JSON.stringify(results)}`);
  return last;
}

/** Push each chunk and pull every event; stops at the first violation. */
export function readAll(options: MessageReaderOptions, ...chunks: Buffer[]): ProtocolEvent[] {
  const reader = new MessageReader(options);
  const events: ProtocolEvent[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (let event = reader.next(); event !== null; event = reader.next()) {
      events.push(event);
      if (isViolation(event)) return events;
    }
  }
  return events;
}

/** Split `bytes` at the given cut points (sorted, deduplicated, within range). */
export function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => Math.min(Math.max(cut, 0), bytes.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

/** Copy every piece, so in-place unmasking by the parser cannot alter the test's own bytes. */
export function copies(pieces: Buffer[]): Buffer[] {
  return pieces.map((piece) => Buffer.from(piece));
}
