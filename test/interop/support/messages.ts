// Collects the messages and the close of a ws-API socket in arrival order, so a test can await
// "the next message" without racing the event that delivers it.
import { expect } from 'vitest';
import type { WebSocket, RawData } from 'ws';

export interface ReceivedMessage {
  readonly data: Buffer;
  readonly isBinary: boolean;
}

export interface ReceivedClose {
  readonly code: number;
  readonly reason: string;
}

export interface Inbox {
  /** Errors the socket emitted (ws emits one before closing on a protocol violation). */
  readonly errors: Error[];
  next(timeoutMs?: number): Promise<ReceivedMessage>;
  closed(timeoutMs?: number): Promise<ReceivedClose>;
}

export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export function collect(socket: WebSocket): Inbox {
  const queued: ReceivedMessage[] = [];
  const waiting: Array<(message: ReceivedMessage) => void> = [];
  let close: ReceivedClose | undefined;
  const closeWaiters: Array<(close: ReceivedClose) => void> = [];
  const errors: Error[] = [];

  socket.on('error', (error) => errors.push(error));
  socket.on('message', (data, isBinary) => {
    const message = { data: toBuffer(data), isBinary };
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queued.push(message);
  });
  socket.on('close', (code, reason) => {
    close = { code, reason: reason.toString() };
    for (const waiter of closeWaiters.splice(0)) waiter(close);
  });

  return {
    errors,
    next(timeoutMs = 5_000) {
      const message = queued.shift();
      if (message) return Promise.resolve(message);
      return withDeadline(new Promise((resolve) => waiting.push(resolve)), timeoutMs, 'message');
    },
    closed(timeoutMs = 5_000) {
      if (close) return Promise.resolve(close);
      return withDeadline(new Promise((resolve) => closeWaiters.push(resolve)), timeoutMs, 'close');
    },
  };
}

function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Asserts a message's bytes and kind. Buffers are compared with `equals` because a deep
 * equality over a 1 MiB Buffer walks it index by index and takes seconds.
 */
export function expectMessage(message: ReceivedMessage, bytes: Buffer, isBinary: boolean): void {
  expect(message.isBinary).toBe(isBinary);
  expect(message.data.length).toBe(bytes.length);
  expect(message.data.equals(bytes), 'message bytes differ from what was sent').toBe(true);
}
