// The exceptions the WHATWG WebSockets Standard throws, as DOMExceptions with the standard's
// names (SyntaxError, InvalidAccessError, InvalidStateError, SecurityError), and WebSocketError
// of the WebSocketStream proposal: a DOMException carrying the close code and reason.

import { utf8Length, MAX_REASON_BYTES } from './webidl.js';

export function domException(name: string, message: string): DOMException {
  return new DOMException(message, name);
}

/** Members of the WebSocketCloseInfo dictionary (WebSocketStream, WebSocketError). */
export interface WebSocketCloseInfo {
  closeCode?: number;
  reason?: string;
}

/** The close-code rule of close(): only 1000 and 3000-4999 may be chosen by a script. */
export function isScriptCloseCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

/**
 * The checks close() and WebSocketError share, in the standard's order: a code other than 1000
 * or 3000-4999 is an InvalidAccessError, a reason over 123 UTF-8 bytes a SyntaxError.
 */
export function checkCloseArguments(code: number | null, reason: string | null): void {
  if (code !== null && !isScriptCloseCode(code)) {
    throw domException('InvalidAccessError', `The close code must be either 1000, or between 3000 and 4999. ${code} is neither.`);
  }
  if (reason !== null && utf8Length(reason) > MAX_REASON_BYTES) {
    throw domException('SyntaxError', `The close reason must not be greater than ${MAX_REASON_BYTES} UTF-8 bytes.`);
  }
}

const kCloseCode = Symbol('closeCode');
const kReason = Symbol('reason');

/** The error a WebSocketStream's promises reject with when the connection did not close cleanly. */
export class WebSocketError extends DOMException {
  private [kCloseCode]: number | null;
  private [kReason]: string;

  constructor(message = '', init: WebSocketCloseInfo = {}) {
    super(`${message}`, 'WebSocketError');
    const code = init.closeCode === undefined ? null : Number(init.closeCode);
    const reason = init.reason === undefined ? '' : `${init.reason}`;
    checkCloseArguments(code, reason);
    this[kCloseCode] = code === null && reason !== '' ? 1000 : code;
    this[kReason] = reason;
  }

  get closeCode(): number | null {
    return this[kCloseCode];
  }
  get reason(): string {
    return this[kReason];
  }

  /** @internal An error for a connection that failed or closed uncleanly (code 1006 is not a script's to choose). */
  static fromClose(message: string, code: number | null, reason: string): WebSocketError {
    const error = new WebSocketError(message);
    error[kCloseCode] = code;
    error[kReason] = reason;
    return error;
  }
}
