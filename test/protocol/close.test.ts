// RFC 6455 §5.5.1 and §7.4: the close payload, its codes and its reason.
import { describe, expect, it } from 'vitest';
import { encodeClosePayload, parseClosePayload } from '../../src/protocol/close.js';
import { isViolation } from '../../src/protocol/violation.js';
import { hex } from './helpers.js';

function payloadFor(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code);
  payload.write(reason, 2);
  return payload;
}

/** §7.4.1, §7.4.2 and the IANA registry, written out independently of the code under test. */
function allowedOnWire(code: number): boolean {
  const registered = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014];
  return registered.includes(code) || (code >= 3000 && code <= 4999);
}

describe('§5.5.1 empty payload', () => {
  it('means no status code: 1005 and an empty reason', () => {
    expect(parseClosePayload(Buffer.alloc(0))).toEqual({ code: 1005, reason: '' });
  });
});

describe('§5.5.1 a 1-byte payload', () => {
  it('is a protocol error 1002', () => {
    const result = parseClosePayload(hex('03'));
    expect(isViolation(result) && result.closeCode).toBe(1002);
  });
});

describe('§7.4 which codes may travel on the wire', () => {
  it('every code 0..5000 (and 65535) is classified correctly', () => {
    const codes = [...Array.from({ length: 5001 }, (_, code) => code), 65535];
    for (const code of codes) {
      const result = parseClosePayload(payloadFor(code));
      if (allowedOnWire(code)) {
        expect(result, `code ${code}`).toEqual({ code, reason: '' });
      } else {
        expect(isViolation(result) && [result.closeCode, result.errorCode], `code ${code}`).toEqual([
          1002,
          'WS_ERR_INVALID_CLOSE_CODE',
        ]);
      }
    }
  });
  it.each([1004, 1005, 1006, 1015])('reserved code %i is refused', (code) => {
    expect(isViolation(parseClosePayload(payloadFor(code)))).toBe(true);
  });
});

describe('§5.5.1 the reason is UTF-8', () => {
  it('a valid reason is decoded', () => {
    expect(parseClosePayload(payloadFor(1000, 'au revoir ✓'))).toEqual({ code: 1000, reason: 'au revoir ✓' });
  });
  it('an invalid UTF-8 reason → 1007 WS_ERR_INVALID_UTF8', () => {
    const result = parseClosePayload(hex('03 e8 ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64'));
    expect(isViolation(result) && [result.closeCode, result.errorCode]).toEqual([1007, 'WS_ERR_INVALID_UTF8']);
  });
  it('a truncated multi-byte sequence at the end → 1007', () => {
    const result = parseClosePayload(hex('03 e8 61 e2 82'));
    expect(isViolation(result) && result.closeCode).toBe(1007);
  });
});

describe('encodeClosePayload', () => {
  it('no code → empty', () => {
    expect(encodeClosePayload()).toEqual(Buffer.alloc(0));
  });
  it('code and string reason', () => {
    expect(encodeClosePayload(4000, 'é')).toEqual(hex('0f a0 c3 a9'));
  });
  it('code and Buffer reason', () => {
    expect(encodeClosePayload(1000, Buffer.from('ok'))).toEqual(hex('03 e8 6f 6b'));
  });
  it('round-trips through parseClosePayload', () => {
    expect(parseClosePayload(encodeClosePayload(3001, 'x'.repeat(123)))).toEqual({ code: 3001, reason: 'x'.repeat(123) });
  });
});
