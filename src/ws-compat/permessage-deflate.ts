// ws's `PerMessageDeflate` (require('ws').PerMessageDeflate), for code that negotiates and
// compresses by hand as with ws: offer(), accept(), compress(), decompress(), cleanup(). The
// negotiation is the handshake layer's, the zlib work the transport's codec.

import { acceptServerResponse, buildClientOffer, negotiateServer, PERMESSAGE_DEFLATE, validatePerMessageDeflateOptions, type PerMessageDeflateOptions } from '../handshake/permessage-deflate.js';
import type { ExtensionOffer } from '../handshake/extensions.js';
import { PerMessageDeflate as DeflateCodec } from '../transport/deflate-codec.js';
import { parse } from './extension.js';

/** Parameters as ws's offer() and accept() give them: a bare parameter is `true`, numbers are numbers. */
export type DeflateParameters = Record<string, true | number | string>;
type Configuration = Record<string, Array<string | true> | string | true | number>;

export class PerMessageDeflate {
  static get extensionName(): string {
    return PERMESSAGE_DEFLATE;
  }

  /** The agreed parameters once accept() succeeded, as ws keeps them. */
  params: DeflateParameters | null = null;
  private codec: DeflateCodec | null = null;
  private readonly options: PerMessageDeflateOptions;
  private readonly isServer: boolean;
  private readonly maxPayload: number;

  /** ws 8.18+ takes `{ ...options, isServer, maxPayload }`; older ws took them as arguments. Both work. */
  constructor(options: PerMessageDeflateOptions & { isServer?: boolean; maxPayload?: number } = {}, isServer?: boolean, maxPayload?: number) {
    const { isServer: serverOption, maxPayload: payloadOption, ...deflateOptions } = options;
    validatePerMessageDeflateOptions(deflateOptions);
    this.options = deflateOptions;
    this.isServer = serverOption ?? isServer ?? false;
    this.maxPayload = payloadOption ?? maxPayload ?? 0;
  }

  /** Messages smaller than this many bytes are sent uncompressed (the `threshold` option, default 1024). */
  get threshold(): number {
    return this.options.threshold ?? 1024;
  }

  /** Client: the parameters to offer. */
  offer(): DeflateParameters {
    return single(parse(buildClientOffer(this.options))[PERMESSAGE_DEFLATE]![0]!);
  }

  /** Server: pick one of the client's offers; client: check the server's answer. Throws on failure, as ws does. */
  accept(configurations: Configuration[]): DeflateParameters {
    const offers: ExtensionOffer[] = configurations.map((configuration) => ({ name: PERMESSAGE_DEFLATE, params: firstValues(configuration) }));
    if (this.isServer) {
      const result = negotiateServer(offers, this.options);
      if (result === null) throw new Error('None of the extension offers can be accepted');
      if ('error' in result) throw new Error(result.error);
      this.codec = new DeflateCodec(result.params, 'server', this.options);
      this.params = single(parse(result.response)[PERMESSAGE_DEFLATE]![0]!);
    } else {
      const result = acceptServerResponse(offers, this.options);
      if ('error' in result) throw new Error(result.error);
      this.codec = new DeflateCodec(result.params, 'client', this.options);
      this.params = single(offers[0]!.params);
    }
    return this.params;
  }

  /** Compress a whole message (`fin` must be true: this codec compresses messages, not fragments). */
  compress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void {
    if (this.codec === null) return process.nextTick(callback, new Error('The extension was not accepted'));
    if (!fin) return process.nextTick(callback, new Error('Compressing a fragment of a message is not supported'));
    this.codec.compress(data, callback);
  }

  /** Inflate one frame of a compressed message; the message so far comes back when `fin` is true. */
  decompress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void {
    if (this.codec === null) return process.nextTick(callback, new Error('The extension was not accepted'));
    const chunks: Buffer[] = [];
    let length = 0;
    let tooBig = false;
    const onChunk = (chunk: Buffer): boolean => {
      length += chunk.length;
      if (this.maxPayload > 0 && length > this.maxPayload) return !(tooBig = true);
      chunks.push(chunk);
      return true;
    };
    this.codec.decompress(data, fin, onChunk, (error) => {
      if (tooBig) return callback(Object.assign(new RangeError('Max payload size exceeded'), { code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', closeCode: 1009 }));
      if (error !== null) return callback(error);
      callback(null, Buffer.concat(chunks, length));
    });
  }

  cleanup(): void {
    this.codec?.cleanup();
  }
}

function firstValues(configuration: Configuration): Record<string, string | true> {
  const params: Record<string, string | true> = {};
  for (const [name, value] of Object.entries(configuration)) {
    const first = Array.isArray(value) ? value[0]! : value;
    params[name] = first === true ? true : String(first);
  }
  return params;
}

function single(params: Record<string, Array<string | true> | string | true>): DeflateParameters {
  const result: DeflateParameters = {};
  for (const [name, value] of Object.entries(params)) {
    const first = Array.isArray(value) ? value[0]! : value;
    result[name] = first === true ? true : /^\d+$/.test(first) ? Number(first) : first;
  }
  return result;
}
