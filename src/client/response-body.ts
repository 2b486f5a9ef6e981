// The body of a non-101 response, read off the raw socket as http.IncomingMessage would give it.

import type { IncomingMessage } from 'node:http';
import type { HttpHead } from '../handshake/http-parser.js';

/**
 * The body of an unexpected response, as an http.IncomingMessage would give it: Content-Length
 * bytes, or a chunked body decoded (RFC 9112 §7.1), or everything until the socket ends. The
 * server may keep the connection alive, so the end of the body is the end of the attempt.
 */
export class ResponseBody {
  /** Content-Length bytes still expected; -1 when the body is chunked or runs to the socket's end. */
  private remaining: number;
  private readonly chunked: ChunkedDecoder | null;
  private done = false;
  constructor(
    private readonly response: IncomingMessage,
    head: HttpHead,
    private readonly onComplete: () => void,
  ) {
    const length = Number(head.headers['content-length']);
    const chunked = (head.headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked');
    this.chunked = chunked ? new ChunkedDecoder() : null;
    this.remaining = !chunked && head.headers['content-length'] !== undefined && Number.isSafeInteger(length) && length >= 0 ? length : -1;
    if (this.remaining === 0) this.complete();
  }

  push(chunk: Buffer): void {
    if (this.done || chunk.length === 0) return;
    if (this.chunked !== null) {
      const result = this.chunked.push(chunk);
      for (const piece of result.data) this.response.push(piece);
      if (result.finished || result.malformed) this.complete();
      return;
    }
    if (this.remaining < 0) {
      this.response.push(chunk);
      return;
    }
    const piece = chunk.length > this.remaining ? chunk.subarray(0, this.remaining) : chunk;
    this.remaining -= piece.length;
    this.response.push(piece);
    if (this.remaining === 0) this.complete();
  }

  private complete(): void {
    this.done = true;
    this.response.complete = true;
    this.response.push(null);
    this.onComplete();
  }
}

const enum ChunkedState {
  Size,
  Data,
  DataEnd,
  Trailers,
}

/** Decodes `Transfer-Encoding: chunked`; a size line over 1 KiB or a bad size is malformed. */
class ChunkedDecoder {
  private state = ChunkedState.Size;
  private line = '';
  private left = 0;

  push(chunk: Buffer): { data: Buffer[]; finished: boolean; malformed: boolean } {
    const data: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.state === ChunkedState.Data) {
        const take = Math.min(this.left, chunk.length - i);
        data.push(chunk.subarray(i, i + take));
        i += take;
        this.left -= take;
        if (this.left === 0) this.state = ChunkedState.DataEnd;
        continue;
      }
      const byte = chunk[i++];
      if (byte === 0x0d) continue;
      if (byte !== 0x0a) {
        this.line += String.fromCharCode(byte);
        if (this.line.length > 1024) return { data, finished: false, malformed: true };
        continue;
      }
      const line = this.line;
      this.line = '';
      if (this.state === ChunkedState.DataEnd) {
        this.state = ChunkedState.Size;
      } else if (this.state === ChunkedState.Trailers) {
        if (line === '') return { data, finished: true, malformed: false };
      } else {
        const size = parseInt(line.split(';')[0].trim(), 16);
        if (!Number.isSafeInteger(size) || size < 0) return { data, finished: false, malformed: true };
        this.left = size;
        this.state = size === 0 ? ChunkedState.Trailers : ChunkedState.Data;
      }
    }
    return { data, finished: false, malformed: false };
  }
}
