// Errors as ws users see them: a `code` string they match on (e.g. WS_ERR_INVALID_UTF8), and for
// protocol failures the close code that was sent to the peer.

import type { ProtocolViolation } from './protocol/violation.js';

export type WebSocketError = Error & { code?: string; closeCode?: number };

/** RFC 6455 violations by the peer. ws reports invalid UTF-8 as a plain Error, the rest as RangeError. */
export function errorFromViolation(violation: ProtocolViolation): WebSocketError {
  const message =
    violation.errorCode === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
      ? 'Max payload size exceeded'
      : `Invalid WebSocket frame: ${violation.reason}`;
  const ErrorClass = violation.errorCode === 'WS_ERR_INVALID_UTF8' ? Error : RangeError;
  const error: WebSocketError = new ErrorClass(message);
  error.code = violation.errorCode;
  error.closeCode = violation.closeCode;
  return error;
}

export function codedError(message: string, code: string, closeCode?: number): WebSocketError {
  const error: WebSocketError = new Error(message);
  error.code = code;
  if (closeCode !== undefined) error.closeCode = closeCode;
  return error;
}
