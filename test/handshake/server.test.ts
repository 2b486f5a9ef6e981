import { describe, expect, it } from 'vitest';
import { HttpHeadParser } from '../../src/handshake/http-parser.js';
import {
  acceptResponseLines,
  buildAcceptResponse,
  buildErrorResponse,
  computeAcceptKey,
  serializeResponseHead,
  validateUpgradeRequest,
  type UpgradeValidation,
} from '../../src/handshake/server.js';

const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function validRequest(overrides: Record<string, string | undefined> = {}, method = 'GET', minor = 1) {
  const headers: Record<string, string> = {
    host: 'server.example.com',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-key': SAMPLE_KEY,
    'sec-websocket-version': '13',
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return { method, httpVersionMajor: 1, httpVersionMinor: minor, headers };
}

function expectRejected(result: UpgradeValidation, status: number, headers?: Record<string, string>): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.status).toBe(status);
  expect(result.message.length).toBeGreaterThan(0);
  expect(result.headers).toEqual(headers);
}

describe('RFC 6455 §4.2.1: a valid opening handshake is accepted', () => {
  it('returns key, no protocols, no extensions, version 13', () => {
    expect(validateUpgradeRequest(validRequest())).toEqual({
      ok: true,
      info: { key: SAMPLE_KEY, protocols: [], extensions: undefined, version: 13 },
    });
  });

  it('accepts HTTP versions after 1.1', () => {
    expect(validateUpgradeRequest({ ...validRequest(), httpVersionMinor: 2 }).ok).toBe(true);
    expect(validateUpgradeRequest({ ...validRequest(), httpVersionMajor: 2, httpVersionMinor: 0 }).ok).toBe(true);
  });

  it('returns the raw Sec-WebSocket-Extensions header for the caller to negotiate', () => {
    const result = validateUpgradeRequest(validRequest({ 'sec-websocket-extensions': 'permessage-deflate; x=1' }));
    expect(result.ok && result.info.extensions).toBe('permessage-deflate; x=1');
  });
});

describe('§4.2.1 item 1: the method must be GET', () => {
  it.each(['POST', 'get', 'HEAD', 'CONNECT'])('%s is 405 with Allow: GET', (method) => {
    expectRejected(validateUpgradeRequest(validRequest({}, method)), 405, { Allow: 'GET' });
  });
});

describe('§4.2.1 item 1: HTTP/1.1 or later', () => {
  it('HTTP/1.0 is 400 (505 would refuse major version 1 itself, RFC 7231 §6.6.6)', () => {
    expectRejected(validateUpgradeRequest(validRequest({}, 'GET', 0)), 400);
  });
  it('HTTP/0.9 is 400', () => {
    expectRejected(validateUpgradeRequest({ ...validRequest(), httpVersionMajor: 0, httpVersionMinor: 9 }), 400);
  });
});

describe('§4.2.1 item 2 and RFC 7230 §5.4: exactly one Host header', () => {
  it('a missing Host is 400', () => {
    expectRejected(validateUpgradeRequest(validRequest({ host: undefined })), 400);
  });
  it('repeated Host headers (joined with ", ") are 400', () => {
    expectRejected(validateUpgradeRequest(validRequest({ host: 'a.example, b.example' })), 400);
  });
});

describe('§4.2.1 item 3: Upgrade contains "websocket", case-insensitively', () => {
  it.each(['WebSocket', 'WEBSOCKET', 'h2c, websocket', ' websocket '])('accepts %j', (upgrade) => {
    expect(validateUpgradeRequest(validRequest({ upgrade })).ok).toBe(true);
  });
  it.each([undefined, '', 'h2c', 'websockets', 'web socket'])('%j is 400', (upgrade) => {
    expectRejected(validateUpgradeRequest(validRequest({ upgrade })), 400);
  });
});

describe('§4.2.1 item 4: Connection contains "upgrade", case-insensitively', () => {
  it.each(['upgrade', 'UPGRADE', 'keep-alive, Upgrade', 'Upgrade,keep-alive'])('accepts %j', (connection) => {
    expect(validateUpgradeRequest(validRequest({ connection })).ok).toBe(true);
  });
  it.each([undefined, '', 'keep-alive', 'upgrades', 'close'])('%j is 400', (connection) => {
    expectRejected(validateUpgradeRequest(validRequest({ connection })), 400);
  });
});

describe('§4.2.1 item 5: Sec-WebSocket-Key is base64 of 16 bytes', () => {
  it.each(['AAAAAAAAAAAAAAAAAAAAAA==', '+/+/+/+/+/+/+/+/+/+/+w==', 'x3JJHMbDL1EzLkh9GBhXDw=='])('accepts %j', (key) => {
    expect(validateUpgradeRequest(validRequest({ 'sec-websocket-key': key })).ok).toBe(true);
  });
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['15 bytes', Buffer.alloc(15).toString('base64')],
    ['17 bytes', Buffer.alloc(17).toString('base64')],
    ['no padding', 'dGhlIHNhbXBsZSBub25jZQ'],
    ['one padding character', 'dGhlIHNhbXBsZSBub25jZQA='],
    ['outside the alphabet', 'dGhlIHNhbXBsZSBub25jZ-=='],
    ['url-safe alphabet', 'dGhlIHNhbXBsZSBub25jZ_=='],
    ['two keys joined', `${SAMPLE_KEY}, ${SAMPLE_KEY}`],
  ])('%s is 400', (_name, key) => {
    expectRejected(validateUpgradeRequest(validRequest({ 'sec-websocket-key': key })), 400);
  });
});

// Version decision (issue 11): 13 and 8 (hybi-08..12, same framing) are accepted as ws does; others
// get 400 with the list, as ws and RFC 6455 §4.4's own example answer.
describe('§4.2.1 item 6 and §4.4: Sec-WebSocket-Version must be 13 (or 8, as ws accepts)', () => {
  it.each([
    ['version 13', '13', 13],
    ['version 8', '8', 8],
  ])('%s is accepted', (_name, version, expected) => {
    const result = validateUpgradeRequest(validRequest({ 'sec-websocket-version': version }));
    expect(result.ok && result.info.version).toBe(expected);
  });
  it.each([
    ['missing', undefined],
    ['version 7', '7'],
    ['version 14', '14'],
    ['a list', '13, 8'],
    ['empty', ''],
  ])('%s is 400 with Sec-WebSocket-Version: 13, 8', (_name, version) => {
    expectRejected(validateUpgradeRequest(validRequest({ 'sec-websocket-version': version })), 400, {
      'Sec-WebSocket-Version': '13, 8',
    });
  });
});

describe('§4.2.1 item 8: Sec-WebSocket-Protocol lists distinct tokens in preference order', () => {
  it('returns them in order', () => {
    const result = validateUpgradeRequest(validRequest({ 'sec-websocket-protocol': 'superchat, chat,v2' }));
    expect(result.ok && result.info.protocols).toEqual(['superchat', 'chat', 'v2']);
  });
  it.each([
    ['duplicates', 'chat, chat'],
    ['a non-token', 'chat; q=1'],
    ['inner whitespace', 'super chat'],
    ['no element', ''],
    ['only commas', ' , '],
  ])('%s is 400', (_name, value) => {
    expectRejected(validateUpgradeRequest(validRequest({ 'sec-websocket-protocol': value })), 400);
  });
});

describe('§4.2.2 item 5.4: Sec-WebSocket-Accept', () => {
  it('hashes the RFC 6455 §1.3 example key to its published accept value', () => {
    expect(computeAcceptKey(SAMPLE_KEY)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('§4.2.2 item 5: the 101 response', () => {
  it('is the exact status line and headers, then an empty line', () => {
    expect(buildAcceptResponse('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', {})).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
        '\r\n',
    );
  });

  it('adds the chosen protocol, the extensions and the extra lines, in that order', () => {
    const response = buildAcceptResponse('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', {
      protocol: 'chat',
      extensions: 'permessage-deflate; server_no_context_takeover',
      extraHeaderLines: ['Set-Cookie: a=1', 'X-Powered-By: ws6455'],
    });
    expect(response).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
        'Sec-WebSocket-Protocol: chat\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n' +
        'Set-Cookie: a=1\r\n' +
        'X-Powered-By: ws6455\r\n' +
        '\r\n',
    );
  });

  it('omits empty protocol and extensions', () => {
    expect(buildAcceptResponse('k', { protocol: '', extensions: '' })).not.toContain('Sec-WebSocket-Protocol');
    expect(buildAcceptResponse('k', { protocol: '', extensions: '' })).not.toContain('Sec-WebSocket-Extensions');
  });

  it('is read back by the response parser', () => {
    const result = new HttpHeadParser({ kind: 'response' }).push(
      Buffer.from(buildAcceptResponse(computeAcceptKey(SAMPLE_KEY), { protocol: 'chat' })),
    );
    expect(result.kind === 'complete' && result.head.headers).toEqual({
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
      'sec-websocket-protocol': 'chat',
    });
  });

  it.each([
    ['a protocol with CRLF', { protocol: 'chat\r\nX-Evil: 1' }],
    ['extensions with LF', { extensions: 'a\nb' }],
    ['an extra line with CRLF', { extraHeaderLines: ['X-A: 1\r\nX-B: 2'] }],
    ['an extra line without a name', { extraHeaderLines: [': 1'] }],
  ])('refuses %s with a TypeError (header injection)', (_name, options) => {
    expect(() => buildAcceptResponse('k', options)).toThrow(TypeError);
  });
});

describe('error responses close the connection', () => {
  it('writes the reason phrase, Connection: close, text/html and the byte length of the body', () => {
    expect(buildErrorResponse(400, 'Invalid Upgrade header')).toBe(
      'HTTP/1.1 400 Bad Request\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/html\r\n' +
        'Content-Length: 22\r\n' +
        '\r\n' +
        'Invalid Upgrade header',
    );
  });

  it('uses the reason phrase as body when no message is given, and adds extra headers', () => {
    expect(buildErrorResponse(426, undefined, { 'Sec-WebSocket-Version': '13' })).toBe(
      'HTTP/1.1 426 Upgrade Required\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/html\r\n' +
        'Content-Length: 16\r\n' +
        'Sec-WebSocket-Version: 13\r\n' +
        '\r\n' +
        'Upgrade Required',
    );
  });

  it('counts Content-Length in bytes, not characters', () => {
    expect(buildErrorResponse(401, 'é')).toContain('Content-Length: 2\r\n');
  });

  it('lets an extra header replace a default of the same name, whatever its case', () => {
    const response = buildErrorResponse(405, undefined, { allow: 'GET', 'content-type': 'text/plain', 'Retry-After': 5 });
    expect(response).toBe(
      'HTTP/1.1 405 Method Not Allowed\r\n' +
        'Connection: close\r\n' +
        'content-type: text/plain\r\n' +
        'Content-Length: 18\r\n' +
        'allow: GET\r\n' +
        'Retry-After: 5\r\n' +
        '\r\n' +
        'Method Not Allowed',
    );
  });

  it('is read back by the response parser with the body as rest', () => {
    const result = new HttpHeadParser({ kind: 'response' }).push(Buffer.from(buildErrorResponse(431)));
    expect(result.kind).toBe('complete');
    if (result.kind !== 'complete') return;
    expect([result.head.statusCode, result.head.statusMessage]).toEqual([431, 'Request Header Fields Too Large']);
    expect(result.rest.toString()).toBe('Request Header Fields Too Large');
  });

  it('names an unknown status "Unknown" and refuses a status that is not three digits', () => {
    expect(buildErrorResponse(599)).toMatch(/^HTTP\/1\.1 599 Unknown\r\n/);
    expect(() => buildErrorResponse(42)).toThrow(TypeError);
    expect(() => buildErrorResponse(200.5)).toThrow(TypeError);
  });

  it('refuses a header value that would inject lines', () => {
    expect(() => buildErrorResponse(400, 'x', { 'X-A': '1\r\nX-B: 2' })).toThrow(TypeError);
  });
});

// The server shows these lines to its 'headers' listeners (which may push more, as ws allows) and
// writes them with serializeResponseHead: the one builder of the 101 (issue 12).
describe("§4.2.2 item 5: the 101 as lines for the 'headers' event", () => {
  it('lists the status line and the headers, protocol and extensions only when chosen', () => {
    expect(acceptResponseLines('k', {})).toEqual(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Accept: k']);
    expect(acceptResponseLines('k', { protocol: 'chat', extensions: 'permessage-deflate' }).slice(4)).toEqual([
      'Sec-WebSocket-Protocol: chat',
      'Sec-WebSocket-Extensions: permessage-deflate',
    ]);
  });

  it('serializes added lines after the others and ends with the blank line', () => {
    const lines = acceptResponseLines('k', {});
    lines.push('Set-Cookie: a=1');
    expect(serializeResponseHead(lines)).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: k\r\nSet-Cookie: a=1\r\n\r\n',
    );
    expect(serializeResponseHead(lines)).toBe(buildAcceptResponse('k', { extraHeaderLines: ['Set-Cookie: a=1'] }));
  });

  it.each([
    ['a CRLF inside an added line', 'X-A: 1\r\nX-Injected: 2'],
    ['a line without a colon', 'X-A'],
    ['a name that is not a token', 'X A: 1'],
  ])('refuses %s', (_name, line) => {
    expect(() => serializeResponseHead([...acceptResponseLines('k', {}), line])).toThrow(TypeError);
  });
});
