// JSON messages in the common `{ type, ... }` style, typed by their `type` field:
//
//   type ToClient = { type: 'chat'; from: string; text: string } | { type: 'joined'; name: string };
//   type ToServer = { type: 'say'; text: string };
//   const channel = new JsonChannel<ToServer, ToClient>(ws, { onInvalid: (error) => ws.close(1003) });
//   channel.on('say', (message) => channel.send({ type: 'chat', from: 'me', text: message.text }));
//
// A message that is binary, not JSON, not an object with a string `type`, or refused by the
// validator is reported to onInvalid handlers as a JsonMessageError; it never throws into the
// socket's 'message' event (where a throw would become an uncaught exception).

import type { SendableData } from '../message-data.js';

/** Every message in this style has a string discriminant. */
export interface TypedMessage {
  type: string;
}

type SendCallback = (error?: Error | null) => void;
type RawData = Buffer | ArrayBuffer | Buffer[] | Blob;
type MessageListener = (data: RawData, isBinary: boolean) => void;

/** What a JSON channel needs of a socket: ws6455's WebSocket (either side), ws's, or a ReconnectingWebSocket. */
export interface JsonCapableSocket {
  send(data: SendableData, callback?: SendCallback): void;
  on(event: 'message', listener: MessageListener): unknown;
  removeListener(event: 'message', listener: MessageListener): unknown;
}

export type JsonMessageErrorCode =
  /** A binary frame arrived and acceptBinary is false. */
  | 'ERR_JSON_BINARY_MESSAGE'
  /** The text is not JSON. */
  | 'ERR_JSON_SYNTAX'
  /** Valid JSON, but not an object with a string `type`. */
  | 'ERR_JSON_UNTYPED'
  /** The validator refused it. */
  | 'ERR_JSON_INVALID';

export class JsonMessageError extends Error {
  override readonly name = 'JsonMessageError';
  constructor(
    readonly code: JsonMessageErrorCode,
    message: string,
    /** The message as received (text, or bytes for a binary message). */
    readonly raw: string | Buffer,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type JsonParseResult<T> = { ok: true; value: T; text: string } | { ok: false; error: JsonMessageError };

/** Serializes `value` and sends it as a text message. A value JSON cannot represent (a cycle, a BigInt) throws here, in the caller. */
export function sendJson(socket: Pick<JsonCapableSocket, 'send'>, value: unknown, callback?: SendCallback): void {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`${typeof value} cannot be sent as JSON`);
  socket.send(text, callback);
}

/** Parses one received message into a `{ type }` object, or says why it is not one. Never throws. */
export function parseJsonMessage(data: RawData, isBinary: boolean, acceptBinary = false): JsonParseResult<TypedMessage> {
  const bytes = toBuffer(data);
  if (bytes === undefined) {
    return invalid('ERR_JSON_BINARY_MESSAGE', 'a Blob cannot be read synchronously; use binaryType nodebuffer', Buffer.alloc(0));
  }
  if (isBinary && !acceptBinary) return invalid('ERR_JSON_BINARY_MESSAGE', 'expected a text message, got a binary one', bytes);
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return invalid('ERR_JSON_SYNTAX', (error as Error).message, text, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { type?: unknown }).type !== 'string') {
    return invalid('ERR_JSON_UNTYPED', 'expected an object with a string "type"', text);
  }
  return { ok: true, value: value as TypedMessage, text };
}

function invalid(code: JsonMessageErrorCode, message: string, raw: string | Buffer, cause?: unknown): JsonParseResult<never> {
  return { ok: false, error: new JsonMessageError(code, message, raw, cause === undefined ? undefined : { cause }) };
}

function toBuffer(data: RawData): Buffer | undefined {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return undefined;
}

export interface JsonChannelOptions<In extends TypedMessage> {
  /**
   * Checks a parsed `{ type }` object before it reaches a handler: the trust boundary for data
   * from the peer. Default: none, every object with a string `type` is taken to be an `In`.
   */
  validate?: (message: TypedMessage) => message is In;
  /** Parse binary messages as UTF-8 JSON too. Default false (they are reported as invalid). */
  acceptBinary?: boolean;
  /**
   * Called for each message that is not a valid `In`. Default: none; while no onInvalid handler
   * is registered, the first invalid message of the channel is reported as a process warning.
   */
  onInvalid?: (error: JsonMessageError) => void;
}

type Handler<M> = (message: M) => void;

/**
 * Typed JSON messages over one socket. `In` is what the peer sends, `Out` what this side sends
 * (the same union by default).
 */
export class JsonChannel<In extends TypedMessage, Out extends TypedMessage = In> {
  private readonly socket: JsonCapableSocket;
  private readonly options: JsonChannelOptions<In>;
  private readonly handlers = new Map<string, Array<Handler<In>>>();
  private readonly anyHandlers: Array<Handler<In>> = [];
  private readonly invalidHandlers: Array<Handler<JsonMessageError>> = [];
  private warned = false;
  private readonly listener: MessageListener = (data, isBinary) => this.receive(data, isBinary);

  constructor(socket: JsonCapableSocket, options: JsonChannelOptions<In> = {}) {
    this.socket = socket;
    this.options = options;
    if (options.onInvalid !== undefined) this.invalidHandlers.push(options.onInvalid);
    socket.on('message', this.listener);
  }

  /** Sends one message as JSON text. */
  send(message: Out, callback?: SendCallback): void {
    sendJson(this.socket, message, callback);
  }

  /** Handles messages of one `type`; the handler sees that member of the union. */
  on<T extends In['type']>(type: T, handler: Handler<Extract<In, { type: T }>>): this {
    let handlers = this.handlers.get(type);
    if (handlers === undefined) this.handlers.set(type, (handlers = []));
    handlers.push(handler as Handler<In>);
    return this;
  }

  /** Handles every valid message, after the handlers of its type. */
  onAny(handler: Handler<In>): this {
    this.anyHandlers.push(handler);
    return this;
  }

  /** Handles messages that are not valid `In` (see JsonMessageErrorCode). */
  onInvalid(handler: Handler<JsonMessageError>): this {
    this.invalidHandlers.push(handler);
    return this;
  }

  /** Stops listening to the socket; the socket itself stays open. */
  dispose(): void {
    this.socket.removeListener('message', this.listener);
  }

  private receive(data: RawData, isBinary: boolean): void {
    const parsed = parseJsonMessage(data, isBinary, this.options.acceptBinary ?? false);
    if (!parsed.ok) return this.reportInvalid(parsed.error);
    const message = parsed.value;
    const validate = this.options.validate;
    if (validate !== undefined && !validate(message)) {
      return this.reportInvalid(new JsonMessageError('ERR_JSON_INVALID', `message of type "${message.type}" refused by the validator`, parsed.text));
    }
    const typed = message as In;
    for (const handler of this.handlers.get(typed.type) ?? []) handler(typed);
    for (const handler of this.anyHandlers) handler(typed);
  }

  private reportInvalid(error: JsonMessageError): void {
    if (this.invalidHandlers.length > 0) {
      for (const handler of this.invalidHandlers) handler(error);
    } else if (!this.warned) {
      // Once per channel: a peer sending garbage must not be able to flood the log.
      this.warned = true;
      process.emitWarning(error);
    }
  }
}
