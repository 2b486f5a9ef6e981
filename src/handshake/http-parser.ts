// An incremental parser for the head of one HTTP/1.x message: the request a WebSocket server
// reads (RFC 6455 §4.2.1) or the 101 response a client reads (§4.1). Only the head: the bytes
// after its blank line are already WebSocket frames and are handed back untouched.
//
// Lines are parsed as soon as their LF arrives, so a malformed or oversized head fails at the
// first offending line instead of after the whole head has been buffered. Peer bytes never make
// it throw: every failure is a value with the HTTP status a server should answer with.

import { isFieldValueChar, isOptionalWhitespace, isTokenChar } from './tokens.js';

export interface HttpHead {
  /** request: 'GET' etc; response: undefined */ method?: string;
  /** request target, e.g. '/chat?x=1' */ url?: string;
  /** response only */ statusCode?: number;
  /** response only */ statusMessage?: string;
  /** '1.1', '1.0', '2.0'… as written after 'HTTP/' */ httpVersion: string;
  httpVersionMajor: number;
  httpVersionMinor: number;
  /** lower-cased names; repeated headers joined with ', ' (set-cookie kept as joined too) */
  headers: Record<string, string>;
  /** [name, value, name, value…] as received (original case), like node's IncomingMessage.rawHeaders */
  rawHeaders: string[];
}

export type HeadParseResult =
  | { kind: 'incomplete' }
  | { kind: 'complete'; head: HttpHead; /** bytes after the blank line (the first WebSocket frames) */ rest: Buffer }
  | { kind: 'error'; /** 400 malformed, 431 headers too large, 505 unsupported version (e.g. HTTP/2.0 text, or not HTTP at all → 400) */ status: number; message: string };

type HeadParseError = Extract<HeadParseResult, { kind: 'error' }>;

export interface HeadParserOptions {
  kind: 'request' | 'response';
  /** Max bytes of the whole head (request line + headers + blank line). Default 16384. Exceeding it is 431 (request) — detected as soon as the buffered bytes pass the limit without finding the end, never buffering more than limit + one chunk. */
  maxHeaderSize?: number;
  /** Max number of header lines; default 100 (→ 431). */
  maxHeaderCount?: number;
}

const DEFAULT_MAX_HEADER_SIZE = 16384;
const DEFAULT_MAX_HEADER_COUNT = 100;

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const COLON = 0x3a;
const DOT = 0x2e;
const HTTP_PREFIX = Buffer.from('HTTP/', 'latin1');
/** 'HTTP/' DIGIT '.' DIGIT (RFC 7230 §2.6) */
const HTTP_VERSION_LENGTH = 8;

const INCOMPLETE: HeadParseResult = Object.freeze({ kind: 'incomplete' });

type ParserState = 'start-line' | 'headers' | 'finished';
type LineOutcome = 'continue' | 'end' | HeadParseError;

interface StartLine {
  method?: string;
  url?: string;
  statusCode?: number;
  statusMessage?: string;
  httpVersion: string;
  httpVersionMajor: number;
  httpVersionMinor: number;
}

function headError(status: number, message: string): HeadParseError {
  return { kind: 'error', status, message };
}

export class HttpHeadParser {
  private readonly kind: 'request' | 'response';
  private readonly maxHeaderSize: number;
  private readonly maxHeaderCount: number;

  private state: ParserState = 'start-line';
  /** The final result once complete or failed; later pushes answer from it. */
  private outcome: HeadParseResult = INCOMPLETE;
  /** Bytes of the lines already parsed, LF included. */
  private consumedBytes = 0;
  /** Pieces of the line whose LF has not arrived yet. */
  /** The line whose LF has not arrived yet, copied into one growing buffer (bytes [0, partialLineLength)). */
  private partialLine: Buffer | null = null;
  private partialLineLength = 0;
  /** Whether the start of the partial start line has been checked as far as it can be. */
  private startLinePrefixChecked = false;

  private startLine: StartLine | undefined;
  private headerCount = 0;
  private readonly headers: Record<string, string> = {};
  private readonly rawHeaders: string[] = [];

  constructor(options: HeadParserOptions) {
    this.kind = options.kind;
    this.maxHeaderSize = options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
    this.maxHeaderCount = options.maxHeaderCount ?? DEFAULT_MAX_HEADER_COUNT;
  }

  /** Feed bytes; returns the state. Accept CRLF line ends (also tolerate bare LF). Reject: request line not `METHOD SP target SP HTTP/x.y`, header line without ':', empty header name, whitespace before the colon, obs-fold continuation lines (400), NUL/CR/LF inside values, non-token chars in names. */
  push(chunk: Buffer): HeadParseResult {
    if (this.state === 'finished') return this.repeatOutcome(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      const lineFeed = chunk.indexOf(LF, offset);
      if (lineFeed === -1) return this.keepPartialLine(chunk.subarray(offset));
      const headBytes = this.consumedBytes + this.partialLineLength + (lineFeed + 1 - offset);
      if (headBytes > this.maxHeaderSize) return this.fail(this.tooLarge());
      const line = this.takeLine(chunk.subarray(offset, lineFeed));
      this.consumedBytes = headBytes;
      offset = lineFeed + 1;
      const lineOutcome = this.parseLine(line);
      if (lineOutcome === 'end') return this.complete(chunk.subarray(offset));
      if (lineOutcome !== 'continue') return this.fail(lineOutcome);
    }
    return INCOMPLETE;
  }

  /** After the head, a chunk is all frames; after an error, the error stands. */
  private repeatOutcome(chunk: Buffer): HeadParseResult {
    return this.outcome.kind === 'complete' ? { kind: 'complete', head: this.outcome.head, rest: chunk } : this.outcome;
  }

  private keepPartialLine(tail: Buffer): HeadParseResult {
    // Checked before buffering, so at most limit + one chunk is ever held.
    if (this.consumedBytes + this.partialLineLength + tail.length > this.maxHeaderSize) {
      return this.fail(this.tooLarge());
    }
    if (this.state === 'start-line') {
      const error = this.checkStartLinePrefix(tail);
      if (error !== undefined) return this.fail(error);
    }
    // Copied into one buffer: a few trailing bytes must not pin a whole socket chunk, and a
    // line trickled one byte per read must not cost a Buffer object per byte.
    this.appendPartial(tail);
    return INCOMPLETE;
  }

  private appendPartial(piece: Buffer): void {
    const needed = this.partialLineLength + piece.length;
    let buffer = this.partialLine;
    if (buffer === null || buffer.length < needed) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(needed, (buffer?.length ?? 64) * 2), Math.max(needed, this.maxHeaderSize)));
      if (buffer !== null) buffer.copy(grown, 0, 0, this.partialLineLength);
      buffer = this.partialLine = grown;
    }
    piece.copy(buffer, this.partialLineLength);
    this.partialLineLength = needed;
  }

  private takeLine(lastPiece: Buffer): Buffer {
    this.startLinePrefixChecked = false;
    if (this.partialLineLength === 0) return lastPiece;
    this.appendPartial(lastPiece);
    const line = this.partialLine!.subarray(0, this.partialLineLength);
    this.partialLine = null;
    this.partialLineLength = 0;
    return line;
  }

  /**
   * Fails fast on a peer that does not speak HTTP at all (a TLS ClientHello on a plain port,
   * a stray binary protocol) instead of waiting for a line end that may never come.
   */
  private checkStartLinePrefix(tail: Buffer): HeadParseError | undefined {
    for (let index = 0; index < tail.length && !this.startLinePrefixChecked; index++) {
      const code = tail[index]!;
      const position = this.partialLineLength + index;
      if (code === CR) {
        this.startLinePrefixChecked = true;
      } else if (this.kind === 'response') {
        if (position >= HTTP_PREFIX.length) this.startLinePrefixChecked = true;
        else if (code !== HTTP_PREFIX[position]) return headError(400, 'Invalid HTTP response line');
      } else if (code === SPACE && position > 0) {
        this.startLinePrefixChecked = true;
      } else if (!isTokenChar(code)) {
        return headError(400, 'Invalid HTTP request line');
      }
    }
    return undefined;
  }

  private parseLine(line: Buffer): LineOutcome {
    // A bare LF is tolerated as a line end (RFC 7230 §3.5); any other CR is caught below.
    const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
    if (this.state === 'start-line') {
      // RFC 7230 §3.5: empty lines before the request line are ignored, for robustness.
      if (end === 0) return 'continue';
      return this.kind === 'request' ? this.parseRequestLine(line, end) : this.parseStatusLine(line, end);
    }
    return end === 0 ? 'end' : this.parseHeaderLine(line, end);
  }

  /** request-line = method SP request-target SP HTTP-version (RFC 7230 §3.1.1) */
  private parseRequestLine(line: Buffer, end: number): LineOutcome {
    const invalid = headError(400, 'Invalid HTTP request line');
    const firstSpace = line.indexOf(SPACE);
    if (firstSpace <= 0 || firstSpace >= end) return invalid;
    const secondSpace = line.indexOf(SPACE, firstSpace + 1);
    if (secondSpace === -1 || secondSpace >= end) return invalid;
    if (!allBytes(line, 0, firstSpace, isTokenChar)) return invalid;
    // The target is visible ASCII only: RFC 3986 has everything else percent-encoded.
    if (secondSpace === firstSpace + 1 || !allBytes(line, firstSpace + 1, secondSpace, isVisibleAscii)) return invalid;
    const version = parseHttpVersion(line, secondSpace + 1, end);
    if (version.kind === 'error') return version;
    this.startLine = {
      method: line.toString('latin1', 0, firstSpace),
      url: line.toString('latin1', firstSpace + 1, secondSpace),
      ...version.value,
    };
    this.state = 'headers';
    return 'continue';
  }

  /** status-line = HTTP-version SP status-code SP reason-phrase (RFC 7230 §3.1.2) */
  private parseStatusLine(line: Buffer, end: number): LineOutcome {
    const invalid = headError(400, 'Invalid HTTP response line');
    const codeStart = HTTP_VERSION_LENGTH + 1;
    const codeEnd = codeStart + 3;
    if (end < codeEnd || line[HTTP_VERSION_LENGTH] !== SPACE) return invalid;
    const version = parseHttpVersion(line, 0, HTTP_VERSION_LENGTH);
    if (version.kind === 'error') return version;
    if (!allBytes(line, codeStart, codeEnd, isDigit)) return invalid;
    // The reason phrase may be empty; some servers even drop the SP before it.
    if (end > codeEnd && line[codeEnd] !== SPACE) return invalid;
    const reasonStart = Math.min(codeEnd + 1, end);
    if (!allBytes(line, reasonStart, end, isFieldValueChar)) return invalid;
    this.startLine = {
      statusCode: Number(line.toString('latin1', codeStart, codeEnd)),
      statusMessage: line.toString('latin1', reasonStart, end),
      ...version.value,
    };
    this.state = 'headers';
    return 'continue';
  }

  /** header-field = field-name ":" OWS field-value OWS (RFC 7230 §3.2) */
  private parseHeaderLine(line: Buffer, end: number): LineOutcome {
    // RFC 7230 §3.2.4: obs-fold is deprecated, and a server may reject it with 400.
    if (isOptionalWhitespace(line[0]!)) return headError(400, 'Obsolete line folding is not supported');
    const colon = line.indexOf(COLON);
    if (colon === -1 || colon >= end) return headError(400, 'Header line without a colon');
    if (colon === 0) return headError(400, 'Empty header name');
    // RFC 7230 §3.2.4: whitespace between name and colon MUST be rejected with 400, because
    // proxies disagree about it (request smuggling).
    if (isOptionalWhitespace(line[colon - 1]!)) return headError(400, 'Whitespace before the colon of a header');
    if (!allBytes(line, 0, colon, isTokenChar)) return headError(400, 'Invalid character in header name');
    let valueStart = colon + 1;
    let valueEnd = end;
    while (valueStart < valueEnd && isOptionalWhitespace(line[valueStart]!)) valueStart++;
    while (valueEnd > valueStart && isOptionalWhitespace(line[valueEnd - 1]!)) valueEnd--;
    if (!allBytes(line, valueStart, valueEnd, isFieldValueChar)) {
      return headError(400, 'Invalid character in header value');
    }
    if (this.headerCount >= this.maxHeaderCount) return this.tooLarge();
    this.headerCount++;
    this.addHeader(line.toString('latin1', 0, colon), line.toString('latin1', valueStart, valueEnd));
    return 'continue';
  }

  private addHeader(name: string, value: string): void {
    this.rawHeaders.push(name, value);
    const key = name.toLowerCase();
    const headers = this.headers;
    const joined = Object.hasOwn(headers, key) ? `${headers[key]}, ${value}` : value;
    // A header named __proto__ goes through defineProperty, so that it is stored as data and
    // cannot reach the prototype of the headers object; every other name is a plain (fast) store.
    if (key === '__proto__') {
      Object.defineProperty(headers, key, { value: joined, enumerable: true, writable: true, configurable: true });
    } else {
      headers[key] = joined;
    }
  }

  private tooLarge(): HeadParseError {
    return headError(431, this.kind === 'request' ? 'Request header fields too large' : 'Response head too large');
  }

  private complete(rest: Buffer): HeadParseResult {
    const head: HttpHead = { ...this.startLine!, headers: this.headers, rawHeaders: this.rawHeaders };
    return this.finish({ kind: 'complete', head, rest });
  }

  private fail(error: HeadParseError): HeadParseResult {
    this.partialLine = null;
    this.partialLineLength = 0;
    return this.finish(error);
  }

  private finish(outcome: HeadParseResult): HeadParseResult {
    this.state = 'finished';
    this.outcome = outcome;
    return outcome;
  }
}

type VersionResult = HeadParseError | { kind: 'version'; value: Pick<StartLine, 'httpVersion' | 'httpVersionMajor' | 'httpVersionMinor'> };

/** HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 7230 §2.6); only major version 1 is spoken here. */
function parseHttpVersion(line: Buffer, start: number, end: number): VersionResult {
  const invalid = headError(400, 'Invalid HTTP version');
  if (end - start !== HTTP_VERSION_LENGTH) return invalid;
  if (line.compare(HTTP_PREFIX, 0, HTTP_PREFIX.length, start, start + HTTP_PREFIX.length) !== 0) return invalid;
  const major = line[start + 5]!;
  const minor = line[start + 7]!;
  if (!isDigit(major) || line[start + 6] !== DOT || !isDigit(minor)) return invalid;
  // RFC 7231 §6.6.6: 505 refuses the major version; HTTP/2 and later never use this text form.
  if (major !== 0x31) return headError(505, 'HTTP version not supported');
  return {
    kind: 'version',
    value: {
      httpVersion: line.toString('latin1', start + 5, end),
      httpVersionMajor: major - 0x30,
      httpVersionMinor: minor - 0x30,
    },
  };
}

function allBytes(bytes: Buffer, start: number, end: number, accept: (code: number) => boolean): boolean {
  for (let index = start; index < end; index++) {
    if (!accept(bytes[index]!)) return false;
  }
  return true;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isVisibleAscii(code: number): boolean {
  return code > SPACE && code < 0x7f;
}
