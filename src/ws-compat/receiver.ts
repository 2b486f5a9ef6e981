// ws's `Receiver` (require('ws').Receiver): a Writable that takes the bytes of a connection and
// emits ws's events, 'message' (data, isBinary), 'ping', 'pong', 'conclude' (code, reason) and
// 'error', built on the protocol core's MessageReader.

import { Writable } from 'node:stream';
import { errorFromViolation } from '../errors.js';
import { MessageReader, type ProtocolEvent } from '../protocol/message.js';

export interface ReceiverOptions {
  /** How binary messages are given: 'nodebuffer' (default), 'arraybuffer', 'fragments' or 'blob'. */
  binaryType?: 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';
  /** Receiving as the server: frames must be masked. Default false. */
  isServer?: boolean;
  /** Largest message in bytes; 0 (default) for no limit. */
  maxPayload?: number;
  /** Skip the UTF-8 check of text and close reasons. Default false. */
  skipUTF8Validation?: boolean;
  /** Negotiated extensions: `{ 'permessage-deflate': instance }` inflates compressed messages. */
  extensions?: Record<string, unknown>;
  /** Accepted for ws compatibility: events are always emitted as frames are parsed. */
  allowSynchronousEvents?: boolean;
  /** Accepted for ws compatibility; maxPayload bounds what is buffered. */
  maxBufferedChunks?: number;
  /** Accepted for ws compatibility; maxPayload bounds what is buffered. */
  maxFragments?: number;
}

/** What inflates: this module's PerMessageDeflate, or anything with ws's decompress() shape. */
interface Inflater {
  decompress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void;
}

export class Receiver extends Writable {
  private readonly reader: MessageReader;
  private readonly inflater: Inflater | null;
  private readonly binaryType: NonNullable<ReceiverOptions['binaryType']>;
  /** After a close frame nothing more is parsed (RFC 6455 §5.5.1). */
  private concluded = false;

  constructor(options: ReceiverOptions = {}) {
    super();
    this.binaryType = options.binaryType ?? 'nodebuffer';
    this.inflater = (options.extensions?.['permessage-deflate'] as Inflater | undefined) ?? null;
    this.reader = new MessageReader({
      role: options.isServer ? 'server' : 'client',
      maxPayload: options.maxPayload ?? 0,
      allowRsv1: this.inflater !== null,
      skipUTF8Validation: options.skipUTF8Validation ?? false,
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.concluded) return callback();
    this.reader.push(chunk);
    this.drain(callback);
  }

  /** Dispatch parsed events until more bytes are needed; an inflation pauses it until it is done. */
  private drain(callback: (error?: Error | null) => void): void {
    for (let event = this.reader.next(); event !== null && !this.concluded; event = this.reader.next()) {
      if (event.type === 'compressed') return this.inflate(event.payload, event.fin, callback);
      const error = this.dispatch(event);
      if (error !== null) return callback(error);
    }
    callback();
  }

  private inflate(payload: Buffer, fin: boolean, callback: (error?: Error | null) => void): void {
    this.inflater!.decompress(payload, fin, (error, result) => {
      if (error !== null) return callback(error);
      const failure = result === undefined || result.length === 0 ? null : this.reader.appendInflated(result);
      if (failure !== null) return callback(errorFromViolation(failure));
      if (fin) {
        const message = this.reader.finishInflated();
        const dispatched = this.dispatch(message);
        if (dispatched !== null) return callback(dispatched);
      }
      this.drain(callback);
    });
  }

  private dispatch(event: ProtocolEvent): Error | null {
    switch (event.type) {
      case 'message':
        this.emit('message', event.binary ? binaryData(this.binaryType, event.fragments, event.length) : join(event.fragments, event.length), event.binary);
        return null;
      case 'ping':
      case 'pong':
        this.emit(event.type, event.data);
        return null;
      case 'close':
        this.concluded = true;
        this.emit('conclude', event.code, Buffer.from(event.reason));
        this.end();
        return null;
      case 'compressed':
        return new Error('A compressed message needs a permessage-deflate extension');
      default:
        return errorFromViolation(event);
    }
  }
}

function join(fragments: Buffer[], length: number): Buffer {
  return fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments, length);
}

function binaryData(type: NonNullable<ReceiverOptions['binaryType']>, fragments: Buffer[], length: number): unknown {
  switch (type) {
    case 'fragments':
      return fragments;
    case 'blob':
      return new Blob(fragments);
    case 'arraybuffer': {
      const buffer = join(fragments, length);
      return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    }
    default:
      return join(fragments, length);
  }
}
