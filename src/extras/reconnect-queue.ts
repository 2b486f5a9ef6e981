// The bounded queue of messages a ReconnectingWebSocket holds while disconnected, and what a
// message that will never be sent reports. Bounded because an outage has no known length; the
// policy says which message gives way when the queue is full.

import type { SendableData } from '../message-data.js';

export type QueueFullPolicy = 'drop-oldest' | 'drop-newest' | 'error';

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  readonly code = 'WS_ERR_QUEUE_FULL';
}

export interface QueuedMessage {
  data: SendableData;
  options: object;
  callback: ((error?: Error | null) => void) | undefined;
}

/**
 * Queues `message`; returns the message that gave way (the oldest or this one) when the queue was
 * full, or throws QueueFullError with the 'error' policy.
 */
export function enqueue(queue: QueuedMessage[], message: QueuedMessage, max: number, policy: QueueFullPolicy): QueuedMessage | undefined {
  if (queue.length < max) {
    queue.push(message);
    return undefined;
  }
  if (policy === 'error') throw new QueueFullError(`${max} messages are already queued while disconnected`);
  if (policy === 'drop-oldest' && queue.length > 0) {
    const oldest = queue.shift()!;
    queue.push(message);
    return oldest;
  }
  return message;
}

/** The error a dropped message's send callback gets. */
export function dropError(why: 'queue-full' | 'closed'): Error {
  return why === 'closed'
    ? new Error('message not sent: the connection was closed for good')
    : new QueueFullError('message dropped: the send queue was full');
}
