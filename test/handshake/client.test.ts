import { describe, expect, it } from 'vitest';
import {
  buildUpgradeRequest,
  checkUpgradeResponse,
  generateKey,
  type UpgradeRequestOptions,
} from '../../src/handshake/client.js';
import type { HttpHead } from '../../src/handshake/http-parser.js';

const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const SAMPLE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

describe('§4.1 item 7: the key is a fresh base64 nonce of 16 bytes', () => {
  it('decodes to 16 bytes and is 24 characters long', () => {
    const key = generateKey();
    expect(key).toHaveLength(24);
    expect(Buffer.from(key, 'base64')).toHaveLength(16);
    expect(Buffer.from(key, 'base64').toString('base64')).toBe(key);
  });
  it('differs between calls', () => {
    const keys = new Set(Array.from({ length: 64 }, generateKey));
    expect(keys.size).toBe(64);
  });
});

describe('§4.1: the upgrade request', () => {
  const base: UpgradeRequestOptions = { path: '/chat?x=1', host: 'server.example.com:8080', key: SAMPLE_KEY };

  it('is exactly the handshake lines, then an empty line', () => {
    expect(buildUpgradeRequest(base)).toBe(
      'GET /chat?x=1 HTTP/1.1\r\n' +
        'Host: server.example.com:8080\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${SAMPLE_KEY}\r\n` +
        'Sec-WebSocket-Version: 13\r\n' +
        '\r\n',
    );
  });

  it('offers protocols, extensions and origin, then user headers (arrays as repeated lines)', () => {
    const request = buildUpgradeRequest({
      ...base,
      protocols: ['chat', 'superchat'],
      extensions: 'permessage-deflate; client_max_window_bits',
      origin: 'https://example.com',
      headers: { 'X-Token': 'abc', Cookie: ['a=1', 'b=2'], 'X-Retry': 3 },
    });
    expect(request).toBe(
      'GET /chat?x=1 HTTP/1.1\r\n' +
        'Host: server.example.com:8080\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${SAMPLE_KEY}\r\n` +
        'Sec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Protocol: chat,superchat\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' +
        'Origin: https://example.com\r\n' +
        'X-Token: abc\r\n' +
        'Cookie: a=1\r\n' +
        'Cookie: b=2\r\n' +
        'X-Retry: 3\r\n' +
        '\r\n',
    );
  });

  it('lets a user Host replace the default in its place', () => {
    const request = buildUpgradeRequest({ ...base, headers: { host: 'other.example' } });
    expect(request.split('\r\n').slice(0, 3)).toEqual(['GET /chat?x=1 HTTP/1.1', 'host: other.example', 'Upgrade: websocket']);
    expect(request).not.toContain('server.example.com');
  });

  it('keeps the handshake headers from being overridden, in any case', () => {
    const request = buildUpgradeRequest({
      ...base,
      protocols: ['chat'],
      headers: {
        upgrade: 'h2c',
        CONNECTION: 'close',
        'Sec-WebSocket-Key': 'AAAAAAAAAAAAAAAAAAAAAA==',
        'sec-websocket-version': '8',
        'Sec-WebSocket-Protocol': 'evil',
        'Sec-WebSocket-Extensions': 'x-evil',
      },
    });
    expect(request).toBe(
      'GET /chat?x=1 HTTP/1.1\r\n' +
        'Host: server.example.com:8080\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${SAMPLE_KEY}\r\n` +
        'Sec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Protocol: chat\r\n' +
        '\r\n',
    );
  });

  it('lets the origin option win over an Origin header, and keeps the header without it', () => {
    expect(buildUpgradeRequest({ ...base, origin: 'https://a', headers: { origin: 'https://b' } })).toContain(
      'Origin: https://a\r\n\r\n',
    );
    expect(buildUpgradeRequest({ ...base, headers: { origin: 'https://b' } })).toContain('origin: https://b\r\n\r\n');
  });

  it('omits an empty protocol list', () => {
    expect(buildUpgradeRequest({ ...base, protocols: [] })).not.toContain('Sec-WebSocket-Protocol');
  });

  it.each([
    ['a path with a space', { path: '/a b' }],
    ['a path with CRLF', { path: '/\r\nX-Evil: 1' }],
    ['a non-ASCII path', { path: '/é' }],
    ['an empty path', { path: '' }],
    ['a host with CRLF', { host: 'a\r\nX-Evil: 1' }],
    ['a header value with LF', { headers: { 'X-A': 'a\nb' } }],
    ['a header name with a space', { headers: { 'X A': 'a' } }],
  ])('refuses %s with a TypeError (request splitting)', (_name, override) => {
    expect(() => buildUpgradeRequest({ ...base, ...override })).toThrow(TypeError);
  });
});

function response(headers: Record<string, string>, statusCode = 101): HttpHead {
  return {
    statusCode,
    statusMessage: statusCode === 101 ? 'Switching Protocols' : 'Other',
    httpVersion: '1.1',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    headers,
    rawHeaders: Object.entries(headers).flat(),
  };
}

const GOOD = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': SAMPLE_ACCEPT };

describe('§4.1: checking the server response', () => {
  it('accepts a correct 101 without protocols', () => {
    expect(checkUpgradeResponse(response(GOOD), SAMPLE_KEY, [])).toEqual({ ok: true, protocol: '', extensions: undefined });
  });

  it('returns the chosen protocol and the raw extensions', () => {
    const head = response({ ...GOOD, 'sec-websocket-protocol': 'superchat', 'sec-websocket-extensions': 'permessage-deflate' });
    expect(checkUpgradeResponse(head, SAMPLE_KEY, ['chat', 'superchat'])).toEqual({
      ok: true,
      protocol: 'superchat',
      extensions: 'permessage-deflate',
    });
  });

  it('accepts token case and comma lists in Upgrade and Connection', () => {
    const head = response({ ...GOOD, upgrade: 'WebSocket', connection: 'keep-alive, UPGRADE' });
    expect(checkUpgradeResponse(head, SAMPLE_KEY, []).ok).toBe(true);
  });

  it.each([200, 301, 400, 426])('status %i is not ok (the caller reports an unexpected response)', (status) => {
    expect(checkUpgradeResponse(response(GOOD, status), SAMPLE_KEY, [])).toEqual({
      ok: false,
      message: `Unexpected server response: ${status}`,
    });
  });

  it.each([
    ['a missing Upgrade', { upgrade: undefined }, 'Invalid Upgrade header'],
    ['Upgrade: h2c', { upgrade: 'h2c' }, 'Invalid Upgrade header'],
    ['a missing Connection', { connection: undefined }, 'Invalid Connection header'],
    ['Connection: keep-alive', { connection: 'keep-alive' }, 'Invalid Connection header'],
    ['a missing Sec-WebSocket-Accept', { 'sec-websocket-accept': undefined }, 'Invalid Sec-WebSocket-Accept header'],
    ['a wrong Sec-WebSocket-Accept', { 'sec-websocket-accept': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, 'Invalid Sec-WebSocket-Accept header'],
    ['an accept for another key', { 'sec-websocket-accept': 'HSmrc0sMlYUkAGmm5OPpG2HaGWk=' }, 'Invalid Sec-WebSocket-Accept header'],
  ])('fails on %s', (_name, override, message) => {
    const headers: Record<string, string> = { ...GOOD };
    for (const [name, value] of Object.entries(override)) {
      if (value === undefined) delete headers[name];
      else headers[name] = value;
    }
    expect(checkUpgradeResponse(response(headers), SAMPLE_KEY, [])).toEqual({ ok: false, message });
  });

  it('§4.1 item 6: fails when the server picks a protocol nobody offered', () => {
    const head = response({ ...GOOD, 'sec-websocket-protocol': 'chat' });
    expect(checkUpgradeResponse(head, SAMPLE_KEY, [])).toEqual({
      ok: false,
      message: 'Server sent a subprotocol but none was requested',
    });
  });

  it.each(['other', 'CHAT', 'chat, superchat', ''])('§4.1 item 6: fails when the server picks %j', (protocol) => {
    const head = response({ ...GOOD, 'sec-websocket-protocol': protocol });
    expect(checkUpgradeResponse(head, SAMPLE_KEY, ['chat', 'superchat'])).toEqual({
      ok: false,
      message: 'Server sent an invalid subprotocol',
    });
  });

  it('fails like ws when protocols were offered and the server chose none', () => {
    expect(checkUpgradeResponse(response(GOOD), SAMPLE_KEY, ['chat'])).toEqual({
      ok: false,
      message: 'Server sent no subprotocol',
    });
  });
});
