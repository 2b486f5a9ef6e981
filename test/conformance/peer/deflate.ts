// permessage-deflate for the test peer (RFC 7692), on node:zlib streams so that context
// takeover works across messages exactly as the negotiated parameters say.
import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';

/** §7.2.1: a compressed message omits the 4 octets 0x00 0x00 0xff 0xff that end a sync flush. */
const FLUSH_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export interface PeerDeflateOptions {
  /** Reset our compressor after every message (we were told *_no_context_takeover for our side). */
  compressNoContextTakeover: boolean;
  /** LZ77 window we may use when compressing (8-15). */
  compressWindowBits: number;
  /** Largest window the other side may use; 15 unless it agreed to less. */
  decompressWindowBits: number;
}

function runThrough(stream: DeflateRaw | InflateRaw, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
    };
    const onError = (error: Error): void => {
      stream.off('data', onData);
      reject(error);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    stream.write(input);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', onError);
      resolve(Buffer.concat(chunks));
    });
  });
}

export class PeerDeflate {
  private compressor: DeflateRaw | undefined;
  private readonly decompressor: InflateRaw;

  constructor(private readonly options: PeerDeflateOptions) {
    // zlib cannot inflate with an 8-bit window what its own deflate produced for "8" (it silently
    // uses 9), so the strictest window we can check is 9 bits.
    this.decompressor = createInflateRaw({ windowBits: Math.max(9, options.decompressWindowBits) });
  }

  async compress(data: Buffer): Promise<Buffer> {
    this.compressor ??= createDeflateRaw({ windowBits: this.options.compressWindowBits });
    const out = await runThrough(this.compressor, data);
    if (this.options.compressNoContextTakeover) {
      this.compressor.close();
      this.compressor = undefined;
    }
    return out.subarray(out.length - 4).equals(FLUSH_TAIL) ? out.subarray(0, out.length - 4) : out;
  }

  decompress(data: Buffer): Promise<Buffer> {
    return runThrough(this.decompressor, Buffer.concat([data, FLUSH_TAIL]));
  }

  close(): void {
    this.compressor?.close();
    this.decompressor.close();
  }
}
