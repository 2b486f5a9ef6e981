import { describe, expect, it } from 'vitest';
import { parseExtensions } from '../../src/handshake/extensions.js';
import {
  acceptServerResponse,
  buildClientOffer,
  negotiateServer,
  validatePerMessageDeflateOptions,
  type DeflateParams,
  type PerMessageDeflateOptions,
} from '../../src/handshake/permessage-deflate.js';

const DEFAULT_PARAMS: DeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

/** The server's answer to a request header. */
function serve(header: string, options: PerMessageDeflateOptions = {}) {
  const offers = parseExtensions(header);
  if (offers === null) throw new Error(`test header does not parse: ${header}`);
  return negotiateServer(offers, options);
}

/** The client's judgement of a response header. */
function check(header: string, options: PerMessageDeflateOptions = {}) {
  const offers = parseExtensions(header);
  if (offers === null) throw new Error(`test header does not parse: ${header}`);
  return acceptServerResponse(offers, options);
}

describe('RFC 7692 §5: the server accepts the first acceptable permessage-deflate offer', () => {
  it('accepts a plain offer with the defaults and answers plainly', () => {
    expect(serve('permessage-deflate')).toEqual({ params: DEFAULT_PARAMS, response: 'permessage-deflate' });
  });

  it('ignores offers of other extensions', () => {
    expect(serve('x-webkit-deflate-frame, permessage-deflate; client_max_window_bits')).toEqual({
      params: DEFAULT_PARAMS,
      response: 'permessage-deflate',
    });
  });

  it('returns null when there is no permessage-deflate offer', () => {
    expect(serve('x-webkit-deflate-frame')).toBeNull();
    expect(serve('')).toBeNull();
  });

  it('declines an offer it cannot meet and accepts the fallback offer after it', () => {
    // We require the client's window at 10; only the second offer lets us say so (§7.1.2.2).
    const result = serve('permessage-deflate, permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 });
    expect(result).toEqual({
      params: { ...DEFAULT_PARAMS, clientMaxWindowBits: 10 },
      response: 'permessage-deflate; client_max_window_bits=10',
    });
  });

  it('returns null when every offer is declined', () => {
    expect(serve('permessage-deflate, permessage-deflate; server_no_context_takeover', { clientMaxWindowBits: 10 })).toBeNull();
  });

  it('picks the first acceptable offer, not the best one', () => {
    const result = serve('permessage-deflate; server_max_window_bits=10, permessage-deflate');
    expect(result).toMatchObject({ params: { serverMaxWindowBits: 10 } });
  });

  it('matches the extension name exactly', () => {
    expect(serve('Permessage-Deflate')).toBeNull();
  });
});

describe('RFC 7692 §7.1.1.1: server_no_context_takeover', () => {
  it('is echoed when the client asks for it', () => {
    expect(serve('permessage-deflate; server_no_context_takeover')).toEqual({
      params: { ...DEFAULT_PARAMS, serverNoContextTakeover: true },
      response: 'permessage-deflate; server_no_context_takeover',
    });
  });

  it('may be added by the server unasked', () => {
    expect(serve('permessage-deflate', { serverNoContextTakeover: true })).toEqual({
      params: { ...DEFAULT_PARAMS, serverNoContextTakeover: true },
      response: 'permessage-deflate; server_no_context_takeover',
    });
  });

  it('must not carry a value', () => {
    expect(serve('permessage-deflate; server_no_context_takeover=1')).toEqual({ error: expect.stringContaining('server_no_context_takeover') });
    expect(serve('permessage-deflate; server_no_context_takeover="x"')).toHaveProperty('error');
  });
});

describe('RFC 7692 §7.1.1.2: client_no_context_takeover', () => {
  it('is echoed when the client declares it', () => {
    expect(serve('permessage-deflate; client_no_context_takeover')).toEqual({
      params: { ...DEFAULT_PARAMS, clientNoContextTakeover: true },
      response: 'permessage-deflate; client_no_context_takeover',
    });
  });

  it('may be added by the server unasked', () => {
    expect(serve('permessage-deflate', { clientNoContextTakeover: true })).toMatchObject({
      params: { clientNoContextTakeover: true },
      response: 'permessage-deflate; client_no_context_takeover',
    });
  });

  it('must not carry a value', () => {
    expect(serve('permessage-deflate; client_no_context_takeover=15')).toHaveProperty('error');
  });
});

describe('RFC 7692 §7.1.2.1: server_max_window_bits', () => {
  it('is answered with the offered value when we set no limit', () => {
    expect(serve('permessage-deflate; server_max_window_bits=12')).toEqual({
      params: { ...DEFAULT_PARAMS, serverMaxWindowBits: 12 },
      response: 'permessage-deflate; server_max_window_bits=12',
    });
  });

  it('is answered with our smaller limit when the client offered more', () => {
    expect(serve('permessage-deflate; server_max_window_bits=12', { serverMaxWindowBits: 10 })).toMatchObject({
      params: { serverMaxWindowBits: 10 },
      response: 'permessage-deflate; server_max_window_bits=10',
    });
  });

  it('is answered with the client’s smaller value when it asked for less than our limit', () => {
    expect(serve('permessage-deflate; server_max_window_bits=9', { serverMaxWindowBits: 10 })).toMatchObject({
      params: { serverMaxWindowBits: 9 },
      response: 'permessage-deflate; server_max_window_bits=9',
    });
  });

  it('may be added by the server unasked', () => {
    expect(serve('permessage-deflate', { serverMaxWindowBits: 11 })).toMatchObject({
      params: { serverMaxWindowBits: 11 },
      response: 'permessage-deflate; server_max_window_bits=11',
    });
  });

  it('accepts the whole range 8..15, quoted or not', () => {
    for (let bits = 8; bits <= 15; bits++) {
      expect(serve(`permessage-deflate; server_max_window_bits=${bits}`)).toMatchObject({ params: { serverMaxWindowBits: bits } });
      expect(serve(`permessage-deflate; server_max_window_bits="${bits}"`)).toMatchObject({ params: { serverMaxWindowBits: bits } });
    }
  });

  it.each(['7', '16', '0', '08', '010', '+9', '9.0', 'ten', '-9', '1e1'])('rejects the value %s', (value) => {
    expect(serve(`permessage-deflate; server_max_window_bits=${value}`)).toEqual({
      error: expect.stringContaining('server_max_window_bits'),
    });
  });

  it('requires a value in an offer', () => {
    expect(serve('permessage-deflate; server_max_window_bits')).toHaveProperty('error');
  });
});

describe('RFC 7692 §7.1.2.2: client_max_window_bits', () => {
  it('bare: the client lets us limit it; without a limit of ours nothing is answered', () => {
    expect(serve('permessage-deflate; client_max_window_bits')).toEqual({ params: DEFAULT_PARAMS, response: 'permessage-deflate' });
  });

  it('bare: our limit is answered', () => {
    expect(serve('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 9 })).toEqual({
      params: { ...DEFAULT_PARAMS, clientMaxWindowBits: 9 },
      response: 'permessage-deflate; client_max_window_bits=9',
    });
  });

  it('with a value: the client’s limit is echoed so both sides agree on it', () => {
    expect(serve('permessage-deflate; client_max_window_bits=10')).toEqual({
      params: { ...DEFAULT_PARAMS, clientMaxWindowBits: 10 },
      response: 'permessage-deflate; client_max_window_bits=10',
    });
  });

  it('with a value: the smaller of the client’s and ours is answered', () => {
    expect(serve('permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: 12 })).toMatchObject({
      params: { clientMaxWindowBits: 10 },
      response: 'permessage-deflate; client_max_window_bits=10',
    });
    expect(serve('permessage-deflate; client_max_window_bits="12"', { clientMaxWindowBits: 8 })).toMatchObject({
      params: { clientMaxWindowBits: 8 },
      response: 'permessage-deflate; client_max_window_bits=8',
    });
  });

  it('absent: must not be answered, so a server that requires a limit declines the offer', () => {
    expect(serve('permessage-deflate', { clientMaxWindowBits: 10 })).toBeNull();
    expect(serve('permessage-deflate', { clientMaxWindowBits: true })).toEqual({ params: DEFAULT_PARAMS, response: 'permessage-deflate' });
  });

  it.each(['7', '16', '08', 'x'])('rejects the value %s', (value) => {
    expect(serve(`permessage-deflate; client_max_window_bits=${value}`)).toEqual({
      error: expect.stringContaining('client_max_window_bits'),
    });
  });
});

describe('RFC 7692 §5: malformed offers fail the handshake (400), as ws does', () => {
  it('fails on an unknown parameter', () => {
    expect(serve('permessage-deflate; foo')).toEqual({ error: expect.stringContaining('Unknown parameter "foo"') });
  });

  it('fails on a parameter repeated inside one offer', () => {
    expect(serve('permessage-deflate; server_max_window_bits=10; server_max_window_bits=10')).toEqual({
      error: expect.stringContaining('Duplicate parameter "server_max_window_bits"'),
    });
    expect(serve('permessage-deflate; client_no_context_takeover; client_no_context_takeover')).toHaveProperty('error');
  });

  it('fails even when an earlier offer was acceptable', () => {
    expect(serve('permessage-deflate, permessage-deflate; foo=bar')).toHaveProperty('error');
  });

  it('does not judge the parameters of other extensions', () => {
    expect(serve('x-foo; bar; bar, permessage-deflate')).toMatchObject({ params: DEFAULT_PARAMS });
  });
});

describe('all parameters together', () => {
  it('answers every accepted parameter in a fixed order', () => {
    const header =
      'permessage-deflate; client_max_window_bits=11; server_max_window_bits=13; client_no_context_takeover; server_no_context_takeover';
    expect(serve(header, { serverMaxWindowBits: 12 })).toEqual({
      params: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 11 },
      response:
        'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=11',
    });
  });

  it('the client accepts exactly what the server answered', () => {
    const options: PerMessageDeflateOptions = { serverNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 12 };
    const server = serve(buildClientOffer(options), { clientMaxWindowBits: 9 });
    if (server === null || 'error' in server) throw new Error('expected acceptance');
    expect(check(server.response, options)).toEqual({ params: server.params });
    expect(server.params).toEqual({ serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 10, clientMaxWindowBits: 9 });
  });
});

describe('client offer (RFC 7692 §7.1)', () => {
  it('offers the bare client_max_window_bits by default', () => {
    expect(buildClientOffer({})).toBe('permessage-deflate; client_max_window_bits');
    expect(buildClientOffer({ clientMaxWindowBits: true })).toBe('permessage-deflate; client_max_window_bits');
  });

  it('leaves client_max_window_bits out when it is false', () => {
    expect(buildClientOffer({ clientMaxWindowBits: false })).toBe('permessage-deflate');
  });

  it('writes every option', () => {
    expect(
      buildClientOffer({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 8 }),
    ).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=8');
  });

  it('throws a RangeError for window bits outside 8..15', () => {
    expect(() => buildClientOffer({ serverMaxWindowBits: 16 })).toThrow(RangeError);
    expect(() => buildClientOffer({ clientMaxWindowBits: 7 })).toThrow(RangeError);
    expect(() => validatePerMessageDeflateOptions({ serverMaxWindowBits: 9.5 })).toThrow(RangeError);
    expect(() => validatePerMessageDeflateOptions({ concurrencyLimit: 0 })).toThrow(RangeError);
    expect(() => validatePerMessageDeflateOptions({ threshold: -1 })).toThrow(RangeError);
  });
});

describe('RFC 7692 §7.1: the client validates the server’s response', () => {
  it('accepts a plain response with the defaults', () => {
    expect(check('permessage-deflate')).toEqual({ params: DEFAULT_PARAMS });
  });

  it('accepts server_no_context_takeover and client_no_context_takeover even unasked', () => {
    expect(check('permessage-deflate; server_no_context_takeover; client_no_context_takeover')).toEqual({
      params: { ...DEFAULT_PARAMS, serverNoContextTakeover: true, clientNoContextTakeover: true },
    });
  });

  it('accepts a response that ignores our server_no_context_takeover request (we can inflate either way)', () => {
    expect(check('permessage-deflate', { serverNoContextTakeover: true })).toEqual({ params: DEFAULT_PARAMS });
  });

  it('accepts server_max_window_bits up to what we offered, and any valid value if we offered none', () => {
    expect(check('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 10 })).toEqual({
      params: { ...DEFAULT_PARAMS, serverMaxWindowBits: 10 },
    });
    expect(check('permessage-deflate; server_max_window_bits=8', { serverMaxWindowBits: 10 })).toMatchObject({ params: { serverMaxWindowBits: 8 } });
    expect(check('permessage-deflate; server_max_window_bits=12')).toMatchObject({ params: { serverMaxWindowBits: 12 } });
  });

  it('fails on server_max_window_bits above what we offered', () => {
    expect(check('permessage-deflate; server_max_window_bits=11', { serverMaxWindowBits: 10 })).toEqual({
      error: 'Invalid Sec-WebSocket-Extensions header: server_max_window_bits above the offered 10',
    });
  });

  it('accepts client_max_window_bits when we offered it bare, and uses it', () => {
    expect(check('permessage-deflate; client_max_window_bits=9')).toEqual({ params: { ...DEFAULT_PARAMS, clientMaxWindowBits: 9 } });
  });

  it('keeps our own offered client limit when the response does not repeat it', () => {
    expect(check('permessage-deflate', { clientMaxWindowBits: 11 })).toEqual({ params: { ...DEFAULT_PARAMS, clientMaxWindowBits: 11 } });
  });

  it('fails on client_max_window_bits we did not offer', () => {
    expect(check('permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: false })).toEqual({
      error: 'Invalid Sec-WebSocket-Extensions header: client_max_window_bits was not offered',
    });
  });

  it('fails on client_max_window_bits above our offered value', () => {
    expect(check('permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 })).toHaveProperty('error');
  });

  it('fails on a bare client_max_window_bits (a response must carry a value)', () => {
    expect(check('permessage-deflate; client_max_window_bits')).toEqual({
      error: expect.stringContaining('Invalid value for parameter "client_max_window_bits"'),
    });
  });

  it.each([
    ['an unknown parameter', 'permessage-deflate; foo'],
    ['a duplicate parameter', 'permessage-deflate; server_no_context_takeover; server_no_context_takeover'],
    ['a value on a takeover parameter', 'permessage-deflate; client_no_context_takeover=1'],
    ['a window of 16', 'permessage-deflate; server_max_window_bits=16'],
    ['a window with a leading zero', 'permessage-deflate; client_max_window_bits=09'],
    ['permessage-deflate twice', 'permessage-deflate, permessage-deflate'],
  ])('fails on %s', (_label, header) => {
    expect(check(header)).toEqual({ error: expect.stringMatching(/^Invalid Sec-WebSocket-Extensions header: /) });
  });

  it('fails on an extension we did not offer, with ws’s message', () => {
    expect(check('x-foo')).toEqual({ error: 'Server indicated an extension that was not requested' });
    expect(check('permessage-deflate, x-foo')).toEqual({ error: 'Server indicated an extension that was not requested' });
    expect(acceptServerResponse([], {})).toEqual({ error: 'Server indicated an extension that was not requested' });
  });
});
