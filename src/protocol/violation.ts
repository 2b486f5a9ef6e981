// A protocol failure is a value, not an exception: the core returns it and the connection layer
// closes with its code. `errorCode` uses the public names ws users already match on.

export type ViolationCloseCode = 1002 | 1007 | 1009 | 1011;

export type ViolationErrorCode =
  | 'WS_ERR_EXPECTED_FIN'
  | 'WS_ERR_EXPECTED_MASK'
  | 'WS_ERR_UNEXPECTED_MASK'
  | 'WS_ERR_INVALID_OPCODE'
  | 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'
  | 'WS_ERR_UNEXPECTED_RSV_1'
  | 'WS_ERR_UNEXPECTED_RSV_2_3'
  | 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'
  | 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
  | 'WS_ERR_INVALID_CLOSE_CODE'
  | 'WS_ERR_INVALID_UTF8';

export interface ProtocolViolation {
  readonly kind: 'violation';
  /** The close code to send to the peer. */
  readonly closeCode: ViolationCloseCode;
  /** Public error code, as ws names it, for the `error` event's `err.code`. */
  readonly errorCode: ViolationErrorCode;
  /** Human-readable reason; also used as the `Error` message. */
  readonly reason: string;
}

export function violation(
  closeCode: ViolationCloseCode,
  errorCode: ViolationErrorCode,
  reason: string,
): ProtocolViolation {
  return { kind: 'violation', closeCode, errorCode, reason };
}

export function isViolation(value: unknown): value is ProtocolViolation {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'violation';
}
