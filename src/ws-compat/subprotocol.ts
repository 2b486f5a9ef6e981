// ws's `subprotocol` module: parse a Sec-WebSocket-Protocol value into a Set of names, with the
// SyntaxError messages ws users match on. Tokens are those of the handshake's own table.

import { isOptionalWhitespace, isTokenChar } from '../handshake/tokens.js';

const COMMA = 0x2c;

const enum At {
  /** Before a name: whitespace allowed (except at the very start of the value). */
  Gap,
  Name,
  /** Whitespace after a name: only more whitespace or a comma may follow. */
  Trailing,
}

/** `'a, b'` -> Set {'a', 'b'}; throws SyntaxError on an empty item, a bad character or a repeat. */
export function parse(header: string): Set<string> {
  const protocols = new Set<string>();
  let state = At.Gap;
  let nameStart = 0;
  let nameEnd = 0;
  for (let i = 0; i < header.length; i++) {
    const code = header.charCodeAt(i);
    if (isTokenChar(code) && state !== At.Trailing) {
      if (state === At.Gap) nameStart = i;
      state = At.Name;
      nameEnd = i + 1;
    } else if (isOptionalWhitespace(code) && i > 0) {
      if (state === At.Name) state = At.Trailing;
    } else if (code === COMMA && state !== At.Gap) {
      add(protocols, header.slice(nameStart, nameEnd));
      state = At.Gap;
    } else {
      throw new SyntaxError(`Unexpected character at index ${i}`);
    }
  }
  if (state !== At.Name) throw new SyntaxError('Unexpected end of input');
  add(protocols, header.slice(nameStart, nameEnd));
  return protocols;
}

function add(protocols: Set<string>, protocol: string): void {
  if (protocols.has(protocol)) throw new SyntaxError(`The "${protocol}" subprotocol is duplicated`);
  protocols.add(protocol);
}
