// The Sec-WebSocket-Extensions header (RFC 6455 §9.1), parsed and formatted without regular
// expressions: a character-class lookup table and a cursor over char codes. Header values are
// attacker-controlled, and a backtracking pattern over them is a ReDoS waiting to happen.
//
//   extension-list  = 1#extension
//   extension       = extension-token *( ";" extension-param )
//   extension-param = token [ "=" ( token | quoted-string ) ]
//
// A quoted-string value, once unescaped, must itself be a token (§9.1).

import { isToken, isTokenChar } from './tokens.js';

/** Parameters of one offer: a bare parameter (`client_max_window_bits`) is `true`; a quoted value is unquoted. */
export type ExtensionParams = Record<string, string | true>;

export interface ExtensionOffer {
  name: string;
  params: ExtensionParams;
  /**
   * Names of parameters that appeared more than once in this offer (the first value is the one
   * kept in `params`). Absent when there were none. Whether a repeat is an error is decided by
   * the extension's own negotiation (RFC 7692 §5 declines them), not by the header grammar.
   */
  repeatedParams?: string[];
}

const TAB = 0x09;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;

// Token characters are those of tokens.ts (RFC 9110 §5.6.2 tchar, one lookup table for the
// whole handshake); isToken is re-exported for the extension grammar's users.
export { isToken };

/** Thrown inside the parser only; `parseExtensions` turns it into `null`. */
class MalformedHeader extends Error {}

class HeaderCursor {
  pos = 0;
  constructor(readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  /** OWS = *( SP / HTAB ), allowed around every separator (RFC 9110 §5.6.3). */
  skipWhitespace(): void {
    while (!this.atEnd() && (this.peek() === SPACE || this.peek() === TAB)) this.pos++;
  }

  accept(code: number): boolean {
    if (this.atEnd() || this.peek() !== code) return false;
    this.pos++;
    return true;
  }

  readToken(): string {
    const start = this.pos;
    while (!this.atEnd() && isTokenChar(this.peek())) this.pos++;
    if (this.pos === start) throw new MalformedHeader();
    return this.text.slice(start, this.pos);
  }

  /** quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, returned unescaped. */
  readQuotedString(): string {
    this.pos++; // the opening quote
    let value = '';
    for (;;) {
      if (this.atEnd()) throw new MalformedHeader();
      const code = this.peek();
      this.pos++;
      if (code === QUOTE) return value;
      if (code === BACKSLASH) {
        if (this.atEnd()) throw new MalformedHeader();
        value += this.text[this.pos];
        this.pos++;
      } else {
        value += this.text[this.pos - 1];
      }
    }
  }
}

/**
 * Parse a Sec-WebSocket-Extensions header value into offers, in order (several offers of the
 * same extension are allowed and kept). Returns `null` when the value breaks the grammar: a
 * missing or invalid token, an unterminated quote, a quoted value that is not a token once
 * unescaped, or a stray character. Empty list elements (`a, , b`) are ignored as RFC 9110 §5.6.1
 * asks of recipients; an empty or blank value yields `[]`.
 */
export function parseExtensions(header: string): ExtensionOffer[] | null {
  const cursor = new HeaderCursor(header);
  const offers: ExtensionOffer[] = [];
  try {
    for (;;) {
      cursor.skipWhitespace();
      if (cursor.atEnd()) return offers;
      if (cursor.accept(COMMA)) continue;
      offers.push(readOffer(cursor));
      cursor.skipWhitespace();
      if (cursor.atEnd()) return offers;
      if (!cursor.accept(COMMA)) return null;
    }
  } catch (error) {
    if (error instanceof MalformedHeader) return null;
    throw error;
  }
}

function readOffer(cursor: HeaderCursor): ExtensionOffer {
  const offer: ExtensionOffer = { name: cursor.readToken(), params: Object.create(null) as ExtensionParams };
  for (;;) {
    cursor.skipWhitespace();
    if (!cursor.accept(SEMICOLON)) return offer;
    cursor.skipWhitespace();
    const name = cursor.readToken();
    const value = readParamValue(cursor);
    if (Object.hasOwn(offer.params, name)) (offer.repeatedParams ??= []).push(name);
    else offer.params[name] = value;
  }
}

function readParamValue(cursor: HeaderCursor): string | true {
  cursor.skipWhitespace();
  if (!cursor.accept(EQUALS)) return true;
  cursor.skipWhitespace();
  if (cursor.atEnd() || cursor.peek() !== QUOTE) return cursor.readToken();
  const value = cursor.readQuotedString();
  if (!isToken(value)) throw new MalformedHeader();
  return value;
}

/**
 * Format offers as a Sec-WebSocket-Extensions value: `name; bare; key=value, name2`. Values that
 * are tokens are written bare; anything else is written as a quoted-string (which a strict
 * receiver will reject, since §9.1 requires tokens: callers should only pass tokens).
 */
export function formatExtensions(offers: ExtensionOffer[]): string {
  return offers.map(formatOffer).join(', ');
}

function formatOffer(offer: ExtensionOffer): string {
  let text = offer.name;
  for (const name of Object.keys(offer.params)) {
    const value = offer.params[name];
    text += value === true ? `; ${name}` : `; ${name}=${formatValue(value)}`;
  }
  return text;
}

function formatValue(value: string): string {
  if (isToken(value)) return value;
  let quoted = '"';
  for (const char of value) quoted += char === '"' || char === '\\' ? `\\${char}` : char;
  return `${quoted}"`;
}
