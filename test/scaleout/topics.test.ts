import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopicRegistry } from '../../src/server/topics.js';

interface FakeSocket {
  readonly id: number;
}

const sockets: FakeSocket[] = [0, 1, 2, 3].map((id) => ({ id }));

describe('subscribe / unsubscribe: a socket is subscribed to a topic at most once', () => {
  it('subscribe returns true the first time and false when already subscribed', () => {
    const registry = new TopicRegistry<FakeSocket>();
    expect(registry.subscribe(sockets[0]!, 'news')).toBe(true);
    expect(registry.subscribe(sockets[0]!, 'news')).toBe(false);
    expect(registry.subscribers('news')).toEqual(new Set([sockets[0]]));
    expect(registry.isSubscribed(sockets[0]!, 'news')).toBe(true);
    expect(registry.isSubscribed(sockets[1]!, 'news')).toBe(false);
  });

  it('unsubscribe returns false when not subscribed, true when it removed a subscription', () => {
    const registry = new TopicRegistry<FakeSocket>();
    expect(registry.unsubscribe(sockets[0]!, 'news')).toBe(false);
    registry.subscribe(sockets[0]!, 'news');
    expect(registry.unsubscribe(sockets[0]!, 'news')).toBe(true);
    expect(registry.unsubscribe(sockets[0]!, 'news')).toBe(false);
    expect(registry.isSubscribed(sockets[0]!, 'news')).toBe(false);
  });

  it('a topic whose last subscriber left no longer exists', () => {
    const registry = new TopicRegistry<FakeSocket>();
    registry.subscribe(sockets[0]!, 'a');
    registry.subscribe(sockets[1]!, 'a');
    expect(registry.topicCount).toBe(1);
    registry.unsubscribe(sockets[0]!, 'a');
    expect(registry.topicCount).toBe(1);
    registry.unsubscribe(sockets[1]!, 'a');
    expect(registry.topicCount).toBe(0);
    expect(registry.subscribers('a')).toBeUndefined();
  });
});

describe('removeSocket: subscriptions are dropped on close', () => {
  it('removes the socket from every topic and leaves other sockets alone', () => {
    const registry = new TopicRegistry<FakeSocket>();
    registry.subscribe(sockets[0]!, 'a');
    registry.subscribe(sockets[0]!, 'b');
    registry.subscribe(sockets[1]!, 'b');
    registry.removeSocket(sockets[0]!);
    expect(registry.topicsOf(sockets[0]!).size).toBe(0);
    expect(registry.subscribers('a')).toBeUndefined();
    expect(registry.subscribers('b')).toEqual(new Set([sockets[1]]));
    expect(registry.topicCount).toBe(1);
  });

  it('is a no-op for a socket that never subscribed', () => {
    const registry = new TopicRegistry<FakeSocket>();
    registry.subscribe(sockets[1]!, 'a');
    registry.removeSocket(sockets[0]!);
    expect(registry.subscribers('a')).toEqual(new Set([sockets[1]]));
  });
});

describe('both indexes agree with a plain model after any sequence of operations', () => {
  type Operation =
    | { kind: 'subscribe' | 'unsubscribe'; socket: number; topic: string }
    | { kind: 'remove'; socket: number };

  const topic = fc.constantFrom('a', 'b', 'c', '');
  const socket = fc.integer({ min: 0, max: sockets.length - 1 });
  const operation: fc.Arbitrary<Operation> = fc.oneof(
    fc.record({ kind: fc.constantFrom('subscribe' as const, 'unsubscribe' as const), socket, topic }),
    fc.record({ kind: fc.constant('remove' as const), socket }),
  );

  it('matches a set of (socket, topic) pairs', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
        const registry = new TopicRegistry<FakeSocket>();
        const model = new Set<string>();
        const key = (s: number, t: string): string => `${s}\u0000${t}`;
        for (const op of operations) {
          const s = sockets[op.socket]!;
          if (op.kind === 'subscribe') {
            expect(registry.subscribe(s, op.topic)).toBe(!model.has(key(op.socket, op.topic)));
            model.add(key(op.socket, op.topic));
          } else if (op.kind === 'unsubscribe') {
            expect(registry.unsubscribe(s, op.topic)).toBe(model.has(key(op.socket, op.topic)));
            model.delete(key(op.socket, op.topic));
          } else {
            registry.removeSocket(s);
            for (const entry of [...model]) if (entry.startsWith(`${op.socket}\u0000`)) model.delete(entry);
          }
        }
        const topics = new Set([...model].map((entry) => entry.split('\u0000')[1]!));
        expect(registry.topicCount).toBe(topics.size);
        for (const t of ['a', 'b', 'c', '']) {
          const expected = sockets.filter((_, i) => model.has(key(i, t)));
          expect([...(registry.subscribers(t) ?? [])].sort((x, y) => x.id - y.id)).toEqual(expected);
          for (const [i, s] of sockets.entries()) {
            expect(registry.isSubscribed(s, t)).toBe(model.has(key(i, t)));
            expect(registry.topicsOf(s).has(t)).toBe(model.has(key(i, t)));
          }
        }
      }),
    );
  });
});
