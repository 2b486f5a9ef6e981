import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatExtensions, isToken, parseExtensions, type ExtensionOffer } from '../../src/handshake/extensions.js';

/** Offers as plain objects, for comparison (parsed params have a null prototype). */
function plain(offers: ExtensionOffer[] | null): unknown {
  return offers?.map((offer) => ({ ...offer, params: { ...offer.params } })) ?? null;
}

describe('RFC 6455 §9.1: extension-list = 1#extension, extension = token *( ";" extension-param )', () => {
  it('parses a single extension with no parameters', () => {
    expect(plain(parseExtensions('permessage-deflate'))).toEqual([{ name: 'permessage-deflate', params: {} }]);
  });

  it('parses bare parameters as true and token values as strings', () => {
    expect(plain(parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits=10'))).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: true, server_max_window_bits: '10' } },
    ]);
  });

  it('keeps several offers of the same extension, in order (RFC 7692 §5.1 fallback offers)', () => {
    const header = 'permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits';
    expect(plain(parseExtensions(header))).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: true, server_max_window_bits: '10' } },
      { name: 'permessage-deflate', params: { client_max_window_bits: true } },
    ]);
  });

  it('allows optional whitespace (SP, HTAB) around every separator', () => {
    expect(plain(parseExtensions(' \tfoo ;\tbar = 1 ; baz , qux\t'))).toEqual([
      { name: 'foo', params: { bar: '1', baz: true } },
      { name: 'qux', params: {} },
    ]);
  });

  it('ignores empty list elements (RFC 9110 §5.6.1) and returns [] for a blank value', () => {
    expect(plain(parseExtensions(', foo ,, bar ,'))).toEqual([
      { name: 'foo', params: {} },
      { name: 'bar', params: {} },
    ]);
    expect(parseExtensions('')).toEqual([]);
    expect(parseExtensions('  ')).toEqual([]);
  });

  it('keeps the case of names (comparison is the negotiation’s business)', () => {
    expect(plain(parseExtensions('PerMessage-Deflate; Foo=Bar'))).toEqual([{ name: 'PerMessage-Deflate', params: { Foo: 'Bar' } }]);
  });

  it.each([
    ['a missing extension name', '; foo'],
    ['a missing parameter name', 'foo; =1'],
    ['an empty parameter', 'foo;'],
    ['a missing value after =', 'foo; bar='],
    ['a space inside a name', 'foo bar'],
    ['a non-token character', 'foo; b@r'],
    ['a non-token value', 'foo; bar=1/2'],
    ['a non-ASCII character', 'föo'],
    ['a second = ', 'foo; bar=1=2'],
    ['a stray semicolon run', 'foo;; bar'],
  ])('returns null for %s: %s', (_label, header) => {
    expect(parseExtensions(header)).toBeNull();
  });
});

describe('RFC 6455 §9.1: a quoted-string value must be a token once unescaped', () => {
  it('unquotes "10" to 10', () => {
    expect(plain(parseExtensions('permessage-deflate; client_max_window_bits="10"'))).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: '10' } },
    ]);
  });

  it('unescapes quoted-pairs', () => {
    expect(plain(parseExtensions('foo; bar="a\\b\\c"'))).toEqual([{ name: 'foo', params: { bar: 'abc' } }]);
  });

  it('allows whitespace between the = and the quote', () => {
    expect(plain(parseExtensions('foo; bar = "x" , baz'))).toEqual([
      { name: 'foo', params: { bar: 'x' } },
      { name: 'baz', params: {} },
    ]);
  });

  it.each([
    ['an unterminated quote', 'foo; bar="10'],
    ['a quote ending in a lone backslash', 'foo; bar="10\\'],
    ['an empty quoted string', 'foo; bar=""'],
    ['a space inside the quotes', 'foo; bar="1 0"'],
    ['a comma inside the quotes', 'foo; bar="a,b"'],
    ['an escaped non-token character', 'foo; bar="a\\"b"'],
    ['text right after the closing quote', 'foo; bar="10"x'],
  ])('returns null for %s: %s', (_label, header) => {
    expect(parseExtensions(header)).toBeNull();
  });
});

describe('a parameter repeated inside one offer is kept for the extension to judge', () => {
  it('keeps the first value and names the repeated parameter', () => {
    const [offer] = parseExtensions('permessage-deflate; server_max_window_bits=10; server_max_window_bits=12; a; a')!;
    expect({ ...offer!.params }).toEqual({ server_max_window_bits: '10', a: true });
    expect(offer!.repeatedParams).toEqual(['server_max_window_bits', 'a']);
  });

  it('does not count the same parameter in two different offers as a repeat', () => {
    const offers = parseExtensions('permessage-deflate; a, permessage-deflate; a')!;
    expect(offers.map((offer) => offer.repeatedParams)).toEqual([undefined, undefined]);
  });

  it('cannot be tricked by __proto__ into changing the params object', () => {
    const [offer] = parseExtensions('foo; __proto__=x; constructor')!;
    expect(Object.keys(offer!.params)).toEqual(['__proto__', 'constructor']);
    expect(offer!.params['__proto__']).toBe('x');
  });
});

describe('formatExtensions', () => {
  it('writes bare parameters without a value and joins offers with ", "', () => {
    expect(
      formatExtensions([
        { name: 'permessage-deflate', params: { client_max_window_bits: true, server_max_window_bits: '10' } },
        { name: 'x-foo', params: {} },
      ]),
    ).toBe('permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-foo');
  });

  it('quotes and escapes a value that is not a token', () => {
    expect(formatExtensions([{ name: 'foo', params: { bar: 'a "b"' } }])).toBe('foo; bar="a \\"b\\""');
  });
});

describe('parse(format(offers)) is the identity for token names and values', () => {
  const tokenChars = [..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"];
  const token = fc.array(fc.constantFrom(...tokenChars), { minLength: 1, maxLength: 12 }).map((chars) => chars.join(''));
  const params = fc.dictionary(token, fc.oneof(fc.constant(true as const), token), { maxKeys: 5 });
  const offers = fc.array(fc.record({ name: token, params }), { maxLength: 5 });

  it('round-trips', () => {
    fc.assert(
      fc.property(offers, (input) => {
        expect(input.every((offer) => isToken(offer.name))).toBe(true);
        expect(plain(parseExtensions(formatExtensions(input)))).toEqual(input.map((o) => ({ ...o, params: { ...o.params } })));
      }),
    );
  });

  it('never throws and returns null or offers for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60, unit: fc.constantFrom(...'ab=;," \\\t\x7f', 'é') }), (text) => {
        const result = parseExtensions(text);
        expect(result === null || Array.isArray(result)).toBe(true);
      }),
    );
  });

  it('re-parses its own formatting of whatever it parsed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40, unit: fc.constantFrom(...'ab1=;," \\') }), (text) => {
        const parsed = parseExtensions(text);
        if (parsed === null || parsed.some((offer) => offer.repeatedParams)) return;
        expect(plain(parseExtensions(formatExtensions(parsed)))).toEqual(plain(parsed));
      }),
    );
  });
});

describe('no regular-expression backtracking: long hostile headers parse in linear time', () => {
  it('parses 100 KiB of separators and unterminated quotes quickly', () => {
    const hostile = ['foo; bar="' + 'a'.repeat(100_000), ' ;'.repeat(50_000), 'a, '.repeat(30_000) + '"'];
    const start = performance.now();
    for (const header of hostile) expect(parseExtensions(header)).toBeNull();
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
