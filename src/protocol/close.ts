// The close frame's payload (RFC 6455 §5.5.1): empty, or a 2-byte big-endian status code
// followed by a UTF-8 reason. Which codes may travel on the wire is §7.4 (see opcodes.ts).
import { CloseCode, isValidWireCloseCode } from './opcodes.js';
import { isValidUtf8 } from './utf8.js';
import { violation, type ProtocolViolation } from './violation.js';

export interface ClosePayload {
  /** The peer's status code; 1005 (NoStatus) when the payload was empty (§7.1.5). */
  code: number;
  reason: string;
}

const EMPTY = Buffer.alloc(0);

/**
 * §5.5.1/§7.4: empty → {1005,''}; 1 byte → violation 1002; code not isValidWireCloseCode →
 * 1002 (WS_ERR_INVALID_CLOSE_CODE); reason not valid UTF-8 → 1007 (WS_ERR_INVALID_UTF8).
 */
export function parseClosePayload(payload: Buffer): ClosePayload | ProtocolViolation {
  if (payload.length === 0) return { code: CloseCode.NoStatus, reason: '' };
  if (payload.length === 1) {
    // A code is two bytes: one byte is neither "no code" nor a code.
    return violation(1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'invalid payload length 1');
  }
  const code = payload.readUInt16BE(0);
  if (!isValidWireCloseCode(code)) {
    return violation(1002, 'WS_ERR_INVALID_CLOSE_CODE', `invalid status code ${code}`);
  }
  const reasonBytes = payload.subarray(2);
  if (!isValidUtf8(reasonBytes)) {
    return violation(1007, 'WS_ERR_INVALID_UTF8', 'invalid UTF-8 sequence');
  }
  return { code, reason: reasonBytes.toString('utf8') };
}

/**
 * Build the payload; code undefined → empty payload (a reason cannot travel without a code).
 * Assumes the caller validated code and reason (≤123 bytes, so the frame stays ≤125, §5.5).
 */
export function encodeClosePayload(code?: number, reason?: string | Buffer): Buffer {
  if (code === undefined) return EMPTY;
  const reasonLength =
    reason === undefined ? 0 : typeof reason === 'string' ? Buffer.byteLength(reason) : reason.length;
  const payload = Buffer.allocUnsafe(2 + reasonLength);
  payload.writeUInt16BE(code, 0);
  if (typeof reason === 'string') payload.write(reason, 2, 'utf8');
  else if (reason !== undefined) reason.copy(payload, 2);
  return payload;
}
