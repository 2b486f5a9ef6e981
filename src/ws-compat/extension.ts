// ws's `extension` module: parse a Sec-WebSocket-Extensions value into
// `{ name: [{ param: [value, ...] }, ...] }` (a bare parameter's value is `true`) and format such an
// object back, with the SyntaxError messages ws users match on. RFC 6455 §9.1 grammar.

import { isOptionalWhitespace, isTokenChar } from '../handshake/tokens.js';

export type ExtensionValues = Record<string, Array<string | true>>;
export type ParsedExtensions = Record<string, ExtensionValues[]>;
type FormatValue = string | number | boolean;
export type FormatInput = Record<string, Record<string, FormatValue | FormatValue[]> | Array<Record<string, FormatValue | FormatValue[]>>>;

const enum At {
  ExtensionStart,
  ExtensionName,
  /** Whitespace after a name or value: ';' or ',' (or more whitespace) must follow. */
  AfterItem,
  ParamStart,
  ParamName,
  /** Whitespace after a parameter name: ';' or ',' may follow, not '='. */
  AfterParamName,
  ValueStart,
  Value,
  Quoted,
  QuotedEscape,
  /** Just after a closing quote: like AfterItem, but the value may end here. */
  QuotedEnd,
}

const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Where a value may end: right after a name, parameter or value (trailing whitespace is an error, as in ws). */
const CAN_END = new Set([At.ExtensionName, At.ParamName, At.Value, At.QuotedEnd]);

class ExtensionParser {
  readonly result: ParsedExtensions = Object.create(null);
  state = At.ExtensionStart;
  private name = '';
  private params: ExtensionValues = Object.create(null);
  private paramName = '';
  private text = '';

  constructor(private readonly header: string) {}

  run(): ParsedExtensions {
    for (let i = 0; i < this.header.length; i++) {
      if (!this.step(this.header.charCodeAt(i), i)) throw new SyntaxError(`Unexpected character at index ${i}`);
    }
    if (!CAN_END.has(this.state)) throw new SyntaxError('Unexpected end of input');
    this.endItem();
    this.endExtension();
    return this.result;
  }

  /** One character; false when it is not allowed here. */
  private step(code: number, index: number): boolean {
    const token = isTokenChar(code);
    const space = isOptionalWhitespace(code);
    switch (this.state) {
      case At.ExtensionStart:
        if (space && index > 0) return true;
        return token && this.begin(At.ExtensionName, code);
      case At.ParamStart:
        if (space) return true;
        return token && this.begin(At.ParamName, code);
      case At.ValueStart:
        if (code === QUOTE) return this.begin(At.Quoted, -1);
        return token && this.begin(At.Value, code);
      case At.Quoted:
        if (code === QUOTE) return this.text !== '' && this.to(At.QuotedEnd);
        if (code === BACKSLASH) return this.to(At.QuotedEscape);
        return token && this.append(code);
      case At.QuotedEscape:
        return token && this.append(code) && this.to(At.Quoted);
      case At.ParamName:
      case At.ExtensionName:
      case At.Value:
        if (token) return this.append(code);
        if (code === EQUALS && this.state === At.ParamName) return this.paramValueFollows();
        return this.separator(code, space);
      case At.AfterItem:
      case At.AfterParamName:
      case At.QuotedEnd:
        return this.separator(code, space);
    }
  }

  private separator(code: number, space: boolean): boolean {
    if (space) return this.to(this.state === At.ParamName || this.state === At.AfterParamName ? At.AfterParamName : At.AfterItem);
    if (code !== SEMICOLON && code !== COMMA) return false;
    this.endItem();
    if (code === COMMA) this.endExtension();
    return this.to(code === COMMA ? At.ExtensionStart : At.ParamStart);
  }

  private begin(state: At, code: number): boolean {
    this.text = code === -1 ? '' : String.fromCharCode(code);
    this.state = state;
    return true;
  }
  private append(code: number): boolean {
    this.text += String.fromCharCode(code);
    return true;
  }
  private to(state: At): boolean {
    this.state = state;
    return true;
  }
  private paramValueFollows(): boolean {
    this.paramName = this.text;
    return this.to(At.ValueStart);
  }

  /** A name, bare parameter or value just ended (`text` holds it). */
  private endItem(): void {
    if (this.text === '' && this.paramName === '') return;
    if (this.name === '') this.name = this.text;
    else if (this.paramName !== '') push(this.params, this.paramName, this.text);
    else push(this.params, this.text, true);
    this.text = '';
    this.paramName = '';
  }

  private endExtension(): void {
    if (this.name === '') return;
    (this.result[this.name] ??= []).push(this.params);
    this.name = '';
    this.params = Object.create(null);
  }
}

function push(params: ExtensionValues, name: string, value: string | true): void {
  (params[name] ??= []).push(value);
}

export function parse(header: string): ParsedExtensions {
  return new ExtensionParser(header).run();
}

/** The inverse of parse: `{ a: [{ b: [true, 5] }] }` -> `'a; b; b=5'`. */
export function format(extensions: FormatInput): string {
  return Object.keys(extensions)
    .map((name) => {
      const entry = extensions[name]!;
      const configurations = Array.isArray(entry) ? entry : [entry];
      return configurations.map((params) => [name, ...Object.keys(params).map((param) => formatParam(param, params[param]!))].join('; ')).join(', ');
    })
    .join(', ');
}

function formatParam(name: string, value: FormatValue | FormatValue[]): string {
  const values = Array.isArray(value) ? value : [value];
  return values.map((single) => (single === true ? name : `${name}=${String(single)}`)).join('; ');
}
