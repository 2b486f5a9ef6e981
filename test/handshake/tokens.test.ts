import { describe, expect, it } from 'vitest';
import { headerHasToken, isFieldValue, isToken, parseTokenList } from '../../src/handshake/tokens.js';

describe('RFC 7230 §3.2.6: a token is one or more tchar', () => {
  it('accepts letters, digits and the tchar symbols', () => {
    expect(isToken("chat.v2-beta_1!#$%&'*+^`|~")).toBe(true);
  });
  it.each(['', 'a b', 'a,b', 'a;b', 'a"b', 'a/b', 'a=b', 'é', 'a\tb', 'a\0b', '(a)', '{a}', 'a:b'])(
    'refuses %j',
    (value) => {
      expect(isToken(value)).toBe(false);
    },
  );
});

describe('RFC 7230 §3.2: a field value holds HTAB, SP, VCHAR and obs-text only', () => {
  it('accepts visible ASCII, spaces, tabs and latin-1 bytes', () => {
    expect(isFieldValue('permessage-deflate; client_max_window_bits\t\u00e9')).toBe(true);
  });
  it.each(['a\rb', 'a\nb', 'a\0b', 'a\x7fb', 'a\x01b', 'a\u0100b'])('refuses %j', (value) => {
    expect(isFieldValue(value)).toBe(false);
  });
});

describe('RFC 7230 §7: comma-separated token lists', () => {
  it('splits on commas and trims optional whitespace', () => {
    expect(parseTokenList('chat, superchat ,\tv2')).toEqual(['chat', 'superchat', 'v2']);
  });
  it('ignores empty elements, as recipients must', () => {
    expect(parseTokenList(', chat,, ,superchat,')).toEqual(['chat', 'superchat']);
  });
  it('keeps duplicates for the caller to judge', () => {
    expect(parseTokenList('a,a')).toEqual(['a', 'a']);
  });
  it.each(['', ' ', ',', ' , ,'])('refuses %j, which has no element', (value) => {
    expect(parseTokenList(value)).toBeNull();
  });
  it.each(['chat superchat', 'chat;q=1', 'chat,"quoted"', 'chat,é'])('refuses %j, whose element is not a token', (value) => {
    expect(parseTokenList(value)).toBeNull();
  });
});

describe('RFC 6455 §4.2.1: finding a token in Upgrade and Connection', () => {
  it('matches ASCII case-insensitively', () => {
    expect(headerHasToken('WebSocket', 'websocket')).toBe(true);
    expect(headerHasToken('upgrade', 'Upgrade')).toBe(true);
  });
  it('finds the token anywhere in a comma list', () => {
    expect(headerHasToken('keep-alive, Upgrade', 'upgrade')).toBe(true);
    expect(headerHasToken('h2c ,websocket', 'websocket')).toBe(true);
  });
  it('does not match a token that merely contains it', () => {
    expect(headerHasToken('websockets', 'websocket')).toBe(false);
    expect(headerHasToken('not-upgrade', 'upgrade')).toBe(false);
    expect(headerHasToken('up grade', 'upgrade')).toBe(false);
  });
  it('is false for a missing header or empty list', () => {
    expect(headerHasToken(undefined, 'upgrade')).toBe(false);
    expect(headerHasToken('', 'upgrade')).toBe(false);
    expect(headerHasToken(' , ', 'upgrade')).toBe(false);
  });
});
