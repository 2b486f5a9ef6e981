// Errors as ws users see them: a `code` string they match on (e.g. WS_ERR_INVALID_UTF8), and for
// protocol failures the close code that was sent to the peer. Messages are ws's, word for word,
// since users match on them too; argument errors follow node's wording, which ws passes through.

import { inspect } from 'node:util';
import type { ProtocolViolation } from './protocol/violation.js';

export type WebSocketError = Error & { code?: string; closeCode?: number };

/**
 * RFC 6455 violations by the peer. ws reports invalid UTF-8 as a plain Error and the rest as
 * RangeError; frame-level rules carry the "Invalid WebSocket frame: " prefix, the two length
 * limits do not.
 */
export function errorFromViolation(violation: ProtocolViolation): WebSocketError {
  const ErrorClass = violation.errorCode === 'WS_ERR_INVALID_UTF8' ? Error : RangeError;
  const error: WebSocketError = new ErrorClass(violationMessage(violation));
  error.code = violation.errorCode;
  error.closeCode = violation.closeCode;
  return error;
}

function violationMessage(violation: ProtocolViolation): string {
  switch (violation.errorCode) {
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
      return 'Max payload size exceeded';
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return 'Unsupported WebSocket frame: payload length > 2^53 - 1';
    case 'WS_ERR_INVALID_OPCODE':
      // ws writes "invalid opcode N" in lower case; users match on it.
      return `Invalid WebSocket frame: ${violation.reason.replace(/^Invalid opcode/, 'invalid opcode')}`;
    default:
      return `Invalid WebSocket frame: ${violation.reason}`;
  }
}

export function codedError(message: string, code: string, closeCode?: number): WebSocketError {
  const error: WebSocketError = new Error(message);
  error.code = code;
  if (closeCode !== undefined) error.closeCode = closeCode;
  return error;
}

export function codedTypeError(message: string, code: string): TypeError & { code: string } {
  return Object.assign(new TypeError(message), { code });
}

/** node's ERR_INVALID_ARG_TYPE, as http.request throws it for the options ws forwards. */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError & { code: string } {
  const kind = name.includes('.') ? 'property' : 'argument';
  const must = expected.includes(',') ? `one of ${expected}` : `of type ${expected}`;
  return codedTypeError(`The "${name}" ${kind} must be ${must}. ${received(value)}`, 'ERR_INVALID_ARG_TYPE');
}

/** node's ERR_OUT_OF_RANGE. */
export function outOfRange(name: string, range: string, value: unknown): RangeError & { code: string } {
  const message = `The value of "${name}" is out of range. It must be ${range}. Received ${inspect(value)}`;
  return Object.assign(new RangeError(message), { code: 'ERR_OUT_OF_RANGE' });
}

function received(value: unknown): string {
  if (value === null || value === undefined) return `Received ${String(value)}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? `Received an instance of ${name}` : `Received ${inspect(value, { depth: -1 })}`;
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `Received type ${typeof value} (${shown})`;
}
