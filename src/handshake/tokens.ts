// Character classes and comma-separated lists of RFC 7230 (§3.2, §3.2.6, §7), read with lookup
// tables and char-code loops. No regular expressions: backtracking patterns over header values
// have been a denial-of-service vector in WebSocket servers, and every function here is linear.

const HTAB = 0x09;
const SPACE = 0x20;

/** CHAR_CLASS bit: tchar of RFC 7230 §3.2.6 (ALPHA, DIGIT and !#$%&'*+-.^_`|~). */
export const TOKEN = 1;
/** CHAR_CLASS bit: may appear in a header field value (HTAB, SP, VCHAR, obs-text; RFC 7230 §3.2). */
export const FIELD_VALUE = 2;
/** CHAR_CLASS bit: visible ASCII (VCHAR), what a request target is made of once percent-encoded. */
export const VISIBLE = 4;

/**
 * The class bits of every byte (or latin1 char code), so that a parser checks a character with
 * one table load whatever it is looking for.
 */
export const CHAR_CLASS = buildCharClasses();

function buildCharClasses(): Uint8Array {
  const table = new Uint8Array(256);
  for (let code = 0x30; code <= 0x39; code++) table[code] |= TOKEN;
  for (let code = 0x41; code <= 0x5a; code++) table[code] |= TOKEN;
  for (let code = 0x61; code <= 0x7a; code++) table[code] |= TOKEN;
  for (const symbol of "!#$%&'*+-.^_`|~") table[symbol.charCodeAt(0)] |= TOKEN;
  for (let code = 0x21; code < 0x7f; code++) table[code] |= VISIBLE;
  // Every other control character, including NUL, CR, LF and DEL, is refused in a value: CR and
  // LF would split the message, and NUL is read differently by different parsers.
  table[HTAB] |= FIELD_VALUE;
  for (let code = SPACE; code <= 0xff; code++) if (code !== 0x7f) table[code] |= FIELD_VALUE;
  return table;
}

/** Whether a character (or byte) code is a tchar (RFC 7230 §3.2.6). */
export function isTokenChar(code: number): boolean {
  return code < 256 && (CHAR_CLASS[code]! & TOKEN) !== 0;
}

/**
 * Whether a code may appear in a header field value: HTAB, SP, VCHAR or obs-text
 * (RFC 7230 §3.2); see CHAR_CLASS.
 */
export function isFieldValueChar(code: number): boolean {
  return code < 256 && (CHAR_CLASS[code]! & FIELD_VALUE) !== 0;
}

/** Optional whitespace, OWS of RFC 7230 §3.2.3. */
export function isOptionalWhitespace(code: number): boolean {
  return code === SPACE || code === HTAB;
}

/** Whether `value` is a non-empty RFC 7230 token. */
export function isToken(value: string): boolean {
  return value.length > 0 && isTokenRange(value, 0, value.length);
}

/** Whether every character of `value` may appear in a header field value (see isFieldValueChar). */
export function isFieldValue(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    if (!isFieldValueChar(value.charCodeAt(index))) return false;
  }
  return true;
}

function isTokenRange(value: string, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    if (!isTokenChar(value.charCodeAt(index))) return false;
  }
  return true;
}

/**
 * Calls `visit` with the bounds of each element of a comma-separated list, OWS trimmed, empty
 * elements skipped: RFC 7230 §7 asks recipients to accept and ignore them ("a, , b").
 * Stops early and returns false as soon as `visit` returns false.
 */
function everyListElement(value: string, visit: (start: number, end: number) => boolean): boolean {
  let elementStart = 0;
  while (elementStart <= value.length) {
    let elementEnd = value.indexOf(',', elementStart);
    if (elementEnd === -1) elementEnd = value.length;
    let start = elementStart;
    let end = elementEnd;
    while (start < end && isOptionalWhitespace(value.charCodeAt(start))) start++;
    while (end > start && isOptionalWhitespace(value.charCodeAt(end - 1))) end--;
    if (start < end && !visit(start, end)) return false;
    elementStart = elementEnd + 1;
  }
  return true;
}

/**
 * Parses a comma-separated list of tokens (the `1#token` of RFC 7230 §7), as used by Upgrade,
 * Connection and Sec-WebSocket-Protocol (RFC 6455 §4.3). Whitespace around commas and empty
 * elements are accepted, as §7 requires of recipients; an element that is not a token (inner
 * whitespace, separators, non-ASCII) or a list with no element at all makes the result null.
 */
export function parseTokenList(value: string): string[] | null {
  const tokens: string[] = [];
  const allTokens = everyListElement(value, (start, end) => {
    if (!isTokenRange(value, start, end)) return false;
    tokens.push(value.slice(start, end));
    return true;
  });
  return allTokens && tokens.length > 0 ? tokens : null;
}

/**
 * Whether the comma-separated header value contains `token`, compared ASCII case-insensitively
 * (RFC 6455 §4.2.1 items 3 and 4: "websocket" in Upgrade, "Upgrade" in Connection). Other
 * elements are not validated: `Connection: keep-alive, Upgrade` is common and valid.
 */
export function headerHasToken(value: string | undefined, token: string): boolean {
  if (value === undefined || token.length === 0) return false;
  searched = value;
  wanted = token;
  found = false;
  everyListElement(value, matchesWanted);
  return found;
}

// headerHasToken's visitor is one module-level function reading these, not a closure per call:
// it runs three times per handshake (8133fce measured the closure).
let searched = '';
let wanted = '';
let found = false;

function matchesWanted(start: number, end: number): boolean {
  found = equalsIgnoringAsciiCase(searched, start, end, wanted);
  return !found;
}

function equalsIgnoringAsciiCase(value: string, start: number, end: number, expected: string): boolean {
  if (end - start !== expected.length) return false;
  for (let index = 0; index < expected.length; index++) {
    if (toAsciiLowerCase(value.charCodeAt(start + index)) !== toAsciiLowerCase(expected.charCodeAt(index))) {
      return false;
    }
  }
  return true;
}

function toAsciiLowerCase(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
}
