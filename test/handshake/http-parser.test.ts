import { describe, expect, it } from 'vitest';
import { HttpHeadParser, type HeadParseResult, type HeadParserOptions } from '../../src/handshake/http-parser.js';

const REQUEST =
  'GET /chat?x=1 HTTP/1.1\r\n' +
  'Host: server.example.com\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Origin: http://example.com\r\n' +
  'Sec-WebSocket-Protocol: chat, superchat\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  '\r\n';
/** A masked text frame "Hi" that a client may send right behind its request. */
const FIRST_FRAME = Buffer.from([0x81, 0x82, 0x01, 0x02, 0x03, 0x04, 0x49, 0x6b]);

function parse(input: string | Buffer, options: HeadParserOptions = { kind: 'request' }): HeadParseResult {
  return new HttpHeadParser(options).push(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
}

function expectError(result: HeadParseResult, status: number): void {
  expect(result.kind).toBe('error');
  if (result.kind === 'error') expect(result.status).toBe(status);
}

/** Feeds `bytes` in pieces of the given sizes (cycled); returns the final result and all rest bytes. */
function feedInPieces(bytes: Buffer, sizes: number[], options: HeadParserOptions = { kind: 'request' }) {
  const parser = new HttpHeadParser(options);
  let result: HeadParseResult = { kind: 'incomplete' };
  const rest: Buffer[] = [];
  let results = 0;
  for (let offset = 0, turn = 0; offset < bytes.length; turn++) {
    const size = sizes[turn % sizes.length]!;
    result = parser.push(bytes.subarray(offset, offset + size));
    results++;
    if (result.kind === 'complete') rest.push(result.rest);
    offset += size;
  }
  return { result, rest: Buffer.concat(rest), results };
}

describe('RFC 7230 §3: a request head is parsed into a node-like HttpHead', () => {
  it('reads the request line, headers and raw headers of the RFC 6455 §1.3 example', () => {
    const result = parse(REQUEST);
    expect(result.kind).toBe('complete');
    if (result.kind !== 'complete') return;
    expect(result.head).toEqual({
      method: 'GET',
      url: '/chat?x=1',
      httpVersion: '1.1',
      httpVersionMajor: 1,
      httpVersionMinor: 1,
      headers: {
        host: 'server.example.com',
        upgrade: 'websocket',
        connection: 'Upgrade',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        origin: 'http://example.com',
        'sec-websocket-protocol': 'chat, superchat',
        'sec-websocket-version': '13',
      },
      rawHeaders: [
        'Host', 'server.example.com',
        'Upgrade', 'websocket',
        'Connection', 'Upgrade',
        'Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==',
        'Origin', 'http://example.com',
        'Sec-WebSocket-Protocol', 'chat, superchat',
        'Sec-WebSocket-Version', '13',
      ],
    });
    expect(result.rest.length).toBe(0);
  });

  it('trims optional whitespace around values and keeps inner spaces and latin-1 bytes', () => {
    const result = parse('GET / HTTP/1.1\r\nX-A: \t one  two \t\r\nX-B:\xe9\r\nX-C:\r\n\r\n');
    expect(result.kind === 'complete' && result.head.headers).toEqual({ 'x-a': 'one  two', 'x-b': 'é', 'x-c': '' });
  });

  it('joins repeated headers with ", " and keeps each in rawHeaders', () => {
    const result = parse('GET / HTTP/1.1\r\nX-Tag: a\r\nx-tag: b\r\nSet-Cookie: c=1\r\nSet-Cookie: d=2\r\n\r\n');
    expect(result.kind).toBe('complete');
    if (result.kind !== 'complete') return;
    expect(result.head.headers).toEqual({ 'x-tag': 'a, b', 'set-cookie': 'c=1, d=2' });
    expect(result.head.rawHeaders).toEqual(['X-Tag', 'a', 'x-tag', 'b', 'Set-Cookie', 'c=1', 'Set-Cookie', 'd=2']);
  });

  it('stores headers named like Object.prototype members as plain data', () => {
    const result = parse('GET / HTTP/1.1\r\n__proto__: x\r\nconstructor: y\r\ntoString: z\r\n\r\n');
    expect(result.kind).toBe('complete');
    if (result.kind !== 'complete') return;
    const { headers } = result.head;
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value).toBe('x');
    expect(headers['constructor']).toBe('y');
    expect(headers['tostring']).toBe('z');
  });

  it('accepts HTTP/1.0 (the upgrade check refuses it later, with its own status)', () => {
    const result = parse('GET / HTTP/1.0\r\n\r\n');
    expect(result.kind === 'complete' && [result.head.httpVersion, result.head.httpVersionMinor]).toEqual(['1.0', 0]);
  });
});

describe('RFC 6455 §4.2.1: bytes after the blank line are the first frames', () => {
  it('returns them intact as rest', () => {
    const result = parse(Buffer.concat([Buffer.from(REQUEST), FIRST_FRAME]));
    expect(result.kind === 'complete' && result.rest).toEqual(FIRST_FRAME);
  });

  it('hands every later chunk back whole as rest', () => {
    const parser = new HttpHeadParser({ kind: 'request' });
    expect(parser.push(Buffer.from(REQUEST)).kind).toBe('complete');
    const later = parser.push(FIRST_FRAME);
    expect(later.kind === 'complete' && later.rest).toEqual(FIRST_FRAME);
  });
});

describe('incremental parsing: any chunking gives the same head and rest', () => {
  const bytes = Buffer.concat([Buffer.from(REQUEST), FIRST_FRAME]);
  const whole = parse(bytes);

  it.each([[[1]], [[2]], [[3, 7]], [[13, 1, 5]], [[64]], [[REQUEST.length - 1, 1]], [[REQUEST.length, 3]]])(
    'pieces of %j bytes',
    (sizes) => {
      const { result, rest } = feedInPieces(bytes, sizes);
      expect(result.kind).toBe('complete');
      if (result.kind !== 'complete' || whole.kind !== 'complete') return;
      expect(result.head).toEqual(whole.head);
      expect(rest).toEqual(FIRST_FRAME);
    },
  );

  it('reports incomplete until the blank line has arrived', () => {
    const parser = new HttpHeadParser({ kind: 'request' });
    expect(parser.push(Buffer.from(REQUEST.slice(0, -2))).kind).toBe('incomplete');
    expect(parser.push(Buffer.from('\r')).kind).toBe('incomplete');
    expect(parser.push(Buffer.from('\n')).kind).toBe('complete');
  });

  it('reports incomplete for an empty chunk', () => {
    expect(parse(Buffer.alloc(0)).kind).toBe('incomplete');
  });
});

describe('RFC 7230 §3.5: tolerated line ends', () => {
  it('accepts bare LF line ends', () => {
    const result = parse(REQUEST.replaceAll('\r\n', '\n'));
    const expected = parse(REQUEST);
    expect(result.kind === 'complete' && expected.kind === 'complete' && result.head).toEqual(
      expected.kind === 'complete' && expected.head,
    );
  });

  it('ignores empty lines before the request line', () => {
    const result = parse(`\r\n\n${REQUEST}`);
    expect(result.kind === 'complete' && result.head.url).toBe('/chat?x=1');
  });
});

describe('RFC 7230 §3.1.1: the request line is METHOD SP target SP HTTP-version', () => {
  it.each([
    ['missing target', 'GET HTTP/1.1\r\n\r\n'],
    ['missing version', 'GET /\r\n\r\n'],
    ['two spaces between method and target', 'GET  / HTTP/1.1\r\n\r\n'],
    ['trailing space', 'GET / HTTP/1.1 \r\n\r\n'],
    ['leading space', ' GET / HTTP/1.1\r\n\r\n'],
    ['space inside the target', 'GET /a b HTTP/1.1\r\n\r\n'],
    ['non-token method', 'G(T / HTTP/1.1\r\n\r\n'],
    ['control character in the target', 'GET /\x01 HTTP/1.1\r\n\r\n'],
    ['non-ASCII target', 'GET /\xe9 HTTP/1.1\r\n\r\n'],
    ['lower-case protocol name', 'GET / http/1.1\r\n\r\n'],
    ['two-digit minor version', 'GET / HTTP/1.10\r\n\r\n'],
    ['version without minor', 'GET / HTTP/1\r\n\r\n'],
    ['CR inside the line', 'GET / HTTP/1.1\r\r\n\r\n'],
  ])('%s is 400', (_name, text) => {
    expectError(parse(text), 400);
  });

  it.each([
    ['HTTP/2.0', 'GET / HTTP/2.0\r\n\r\n'],
    ['HTTP/0.9', 'GET / HTTP/0.9\r\n\r\n'],
    ['HTTP/3.0', 'GET / HTTP/3.0\r\n\r\n'],
  ])('%s is 505, a major version this parser does not speak', (_name, text) => {
    expectError(parse(text), 505);
  });

  it('fails a peer that does not speak HTTP before its first line ends (TLS ClientHello)', () => {
    expectError(parse(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])), 400);
  });

  it('fails a binary prefix of a request line at once, without waiting for LF', () => {
    expectError(parse('GET\0'), 400);
    expect(parse('GET /never-ending').kind).toBe('incomplete');
  });
});

describe('RFC 7230 §3.2: header field lines', () => {
  it.each([
    ['a line without colon', 'GET / HTTP/1.1\r\nHost example.com\r\n\r\n'],
    ['an empty name', 'GET / HTTP/1.1\r\n: value\r\n\r\n'],
    ['whitespace before the colon (§3.2.4)', 'GET / HTTP/1.1\r\nHost : example.com\r\n\r\n'],
    ['a tab before the colon (§3.2.4)', 'GET / HTTP/1.1\r\nHost\t: example.com\r\n\r\n'],
    ['an obs-fold continuation line (§3.2.4)', 'GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n'],
    ['a tab-folded continuation line (§3.2.4)', 'GET / HTTP/1.1\r\nX-A: one\r\n\ttwo\r\n\r\n'],
    ['a space inside the name', 'GET / HTTP/1.1\r\nX A: 1\r\n\r\n'],
    ['a separator inside the name', 'GET / HTTP/1.1\r\nX(A): 1\r\n\r\n'],
    ['a non-ASCII name', 'GET / HTTP/1.1\r\nX\xe9: 1\r\n\r\n'],
    ['NUL inside a value', 'GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n'],
    ['CR inside a value', 'GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n'],
    ['CR at the end of a value', 'GET / HTTP/1.1\r\nX-A: ab\r\r\n\r\n'],
    ['DEL inside a value', 'GET / HTTP/1.1\r\nX-A: a\x7fb\r\n\r\n'],
    ['another control character inside a value', 'GET / HTTP/1.1\r\nX-A: a\x1bb\r\n\r\n'],
  ])('%s is 400', (_name, text) => {
    expectError(parse(text), 400);
  });

  it('keeps failing with the same error after a failure', () => {
    const parser = new HttpHeadParser({ kind: 'request' });
    const first = parser.push(Buffer.from('GET / HTTP/1.1\r\nBad Header\r\n'));
    expectError(first, 400);
    expect(parser.push(Buffer.from(REQUEST))).toEqual(first);
  });
});

describe('size limit: 431 once the head passes maxHeaderSize', () => {
  const limit = 256;
  const headOfSize = (size: number): string => {
    const frame = 'GET / HTTP/1.1\r\nX-Pad: \r\n\r\n';
    return frame.replace('X-Pad: ', `X-Pad: ${'a'.repeat(size - frame.length)}`);
  };

  it('accepts a head of exactly maxHeaderSize bytes', () => {
    expect(headOfSize(limit).length).toBe(limit);
    expect(parse(headOfSize(limit), { kind: 'request', maxHeaderSize: limit }).kind).toBe('complete');
  });

  it('refuses a head one byte over, even when it arrives whole', () => {
    expectError(parse(headOfSize(limit + 1), { kind: 'request', maxHeaderSize: limit }), 431);
  });

  it('answers as soon as the buffered bytes pass the limit, not at the end of the head', () => {
    const parser = new HttpHeadParser({ kind: 'request', maxHeaderSize: limit });
    expect(parser.push(Buffer.from('GET / HTTP/1.1\r\nX-Pad: ')).kind).toBe('incomplete');
    const upToLimit = limit - 'GET / HTTP/1.1\r\nX-Pad: '.length;
    expect(parser.push(Buffer.alloc(upToLimit, 'a')).kind).toBe('incomplete');
    expectError(parser.push(Buffer.from('a')), 431);
  });

  it('answers at the first chunk that passes the limit, while the line is still open', () => {
    const parser = new HttpHeadParser({ kind: 'request', maxHeaderSize: limit });
    expectError(parser.push(Buffer.from(`GET /${'a'.repeat(limit)}`)), 431);
  });

  it('counts every line, many short headers included', () => {
    const many = `GET / HTTP/1.1\r\n${'A: b\r\n'.repeat(60)}\r\n`;
    expectError(parse(many, { kind: 'request', maxHeaderSize: limit, maxHeaderCount: 1000 }), 431);
  });

  it('defaults to 16384 bytes', () => {
    expect(parse(headOfSize(16384)).kind).toBe('complete');
    expectError(parse(headOfSize(16385)), 431);
  });

  it('reports 431 for a response head too', () => {
    expectError(parse(`HTTP/1.1 101 ${'x'.repeat(limit)}\r\n\r\n`, { kind: 'response', maxHeaderSize: limit }), 431);
  });
});

describe('header count limit: 431 past maxHeaderCount lines', () => {
  const withHeaders = (count: number): string => `GET / HTTP/1.1\r\n${'X-A: 1\r\n'.repeat(count)}\r\n`;

  it('defaults to 100 header lines', () => {
    expect(parse(withHeaders(100)).kind).toBe('complete');
    expectError(parse(withHeaders(101)), 431);
  });

  it('honours a custom maxHeaderCount, as soon as the extra line arrives', () => {
    const parser = new HttpHeadParser({ kind: 'request', maxHeaderCount: 2 });
    expect(parser.push(Buffer.from('GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n')).kind).toBe('incomplete');
    expectError(parser.push(Buffer.from('C: 3\r\n')), 431);
  });
});

describe('RFC 7230 §3.1.2: the status line of a response', () => {
  const response = (statusLine: string) => parse(`${statusLine}\r\nUpgrade: websocket\r\n\r\n`, { kind: 'response' });

  it('reads version, code and reason phrase', () => {
    const result = response('HTTP/1.1 101 Switching Protocols');
    expect(result.kind).toBe('complete');
    if (result.kind !== 'complete') return;
    expect(result.head).toEqual({
      statusCode: 101,
      statusMessage: 'Switching Protocols',
      httpVersion: '1.1',
      httpVersionMajor: 1,
      httpVersionMinor: 1,
      headers: { upgrade: 'websocket' },
      rawHeaders: ['Upgrade', 'websocket'],
    });
    expect(result.head.method).toBeUndefined();
  });

  it.each([
    ['HTTP/1.1 101 ', 101],
    ['HTTP/1.1 404', 404],
  ])('accepts an empty reason phrase: %j', (line, code) => {
    const result = response(line);
    expect(result.kind === 'complete' && [result.head.statusCode, result.head.statusMessage]).toEqual([code, '']);
  });

  it.each([
    'HTTP/1.1 1011 Switching',
    'HTTP/1.1 10 Switching',
    'HTTP/1.1  101 Switching',
    'HTTP/1.1 1x1 Switching',
    'HTTP/1.1 101 Switching\0',
    'HTTP/1.1',
    'HTTP/11 101 Switching',
    'http/1.1 101 Switching',
  ])('refuses %j with 400', (line) => {
    expectError(response(line), 400);
  });

  it('refuses HTTP/2.0 with 505', () => {
    expectError(response('HTTP/2.0 101 Switching Protocols'), 505);
  });

  it('fails a response that does not start with HTTP/ at once', () => {
    expectError(parse('<html>', { kind: 'response' }), 400);
    expect(parse('HTTP/', { kind: 'response' }).kind).toBe('incomplete');
  });
});
