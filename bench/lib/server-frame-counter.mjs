// The load generator's minimal reader of server frames (RFC 6455 §5.2): it skips payloads
// without copying them and counts complete messages. Verifying payload bytes is the job of the
// test suite, not of a load generator that must stay cheaper than the servers it measures; it
// does check each message's length, so a server cannot score by echoing something else.

const OPCODE_CLOSE = 0x8;
const MAX_HEADER = 14;

export class ServerFrameCounter {
  #header = Buffer.alloc(MAX_HEADER);
  #headerFilled = 0;
  #payloadLeft = 0;
  #fin = false;
  #opcode = 0;
  #closePayload = [];
  #messageLength = 0;
  #expectedLength;
  /** Set when the server sent a close frame: { code, reason }. */
  closed = null;
  /** Set when a message's length differed from the expected one: { length }. */
  wrongLength = null;

  /** expectedLength: the payload length every message must have (unchecked when undefined). */
  constructor({ expectedLength } = {}) {
    this.#expectedLength = expectedLength;
  }

  /** Consume one chunk and return how many messages it completed. */
  push(chunk) {
    let messages = 0;
    let offset = 0;
    const end = chunk.length;
    while (offset < end) {
      if (this.#payloadLeft > 0) {
        const take = Math.min(this.#payloadLeft, end - offset);
        if (this.#opcode === OPCODE_CLOSE) this.#closePayload.push(chunk.subarray(offset, offset + take));
        this.#payloadLeft -= take;
        offset += take;
        if (this.#payloadLeft === 0) messages += this.#endFrame();
        continue;
      }
      const consumed = this.#headerFrom(chunk, offset);
      if (consumed < 0) return messages;
      offset += consumed;
      if (this.#payloadLeft === 0) messages += this.#endFrame();
    }
    return messages;
  }

  /** Bytes consumed for a complete header, or -1 after buffering a partial one. */
  #headerFrom(chunk, offset) {
    if (this.#headerFilled === 0 && chunk.length - offset >= 2) {
      const size = headerSize(chunk[offset], chunk[offset + 1]);
      if (chunk.length - offset >= size) {
        this.#readHeader(chunk, offset);
        return size;
      }
    }
    // Slow path: a header split across chunks (rare, so byte by byte is fine).
    let consumed = 0;
    while (offset + consumed < chunk.length) {
      this.#header[this.#headerFilled++] = chunk[offset + consumed++];
      if (this.#headerFilled >= 2 && this.#headerFilled === headerSize(this.#header[0], this.#header[1])) {
        this.#readHeader(this.#header, 0);
        this.#headerFilled = 0;
        return consumed;
      }
    }
    return -1;
  }

  #readHeader(bytes, at) {
    this.#fin = (bytes[at] & 0x80) !== 0;
    this.#opcode = bytes[at] & 0x0f;
    const length7 = bytes[at + 1] & 0x7f;
    if (length7 < 126) this.#payloadLeft = length7;
    else if (length7 === 126) this.#payloadLeft = bytes.readUInt16BE(at + 2);
    else this.#payloadLeft = Number(bytes.readBigUInt64BE(at + 2));
    if (this.#opcode < 0x8) this.#messageLength += this.#payloadLeft;
  }

  #endFrame() {
    if (this.#opcode === OPCODE_CLOSE) {
      const payload = Buffer.concat(this.#closePayload);
      this.closed = {
        code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005,
        reason: payload.subarray(2).toString(),
      };
      return 0;
    }
    // Data frames and continuations complete a message on FIN; pings and pongs do not.
    if (!this.#fin || this.#opcode >= 0x8) return 0;
    if (this.#expectedLength !== undefined && this.#messageLength !== this.#expectedLength) {
      this.wrongLength ??= { length: this.#messageLength };
    }
    this.#messageLength = 0;
    return 1;
  }
}

function headerSize(byte0, byte1) {
  const length7 = byte1 & 0x7f;
  const extended = length7 < 126 ? 0 : length7 === 126 ? 2 : 8;
  return 2 + extended + (byte1 & 0x80 ? 4 : 0);
}
