// Opcodes and close codes of RFC 6455 (§5.2, §7.4), and which of them may travel on the wire.

export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Control frames have the high bit of the opcode set (§5.5). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** Opcodes 3-7 and 0xB-0xF are reserved for future use (§5.2); receiving one fails the connection. */
export function isKnownOpcode(opcode: number): boolean {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);
}

export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  /** Never sent: reported locally when a close frame carried no code (§7.1.5). */
  NoStatus: 1005,
  /** Never sent: reported locally when the TCP connection ended without a close frame (§7.1.5). */
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
  /** Never sent: reported locally when the TLS handshake failed. */
  TlsHandshake: 1015,
} as const;

/**
 * Whether a close code may appear in a close frame (§7.4.1, §7.4.2 and the IANA registry):
 * 1000-1003, 1007-1014 and the application/library range 3000-4999. 1004-1006 and 1015 are
 * reserved for local reporting and must never be sent nor accepted.
 */
export function isValidWireCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}
