// What a broadcast forwards to other nodes is settled once, the same whatever this node has.
import { describe, expect, it } from 'vitest';
import type { ForwardedMessage, LocalDelivery, ScaleOutAdapter } from '../../src/index.js';
import { openClient, nextMessage, startServer } from './helpers.js';

function recordingAdapter(): ScaleOutAdapter & { forwarded: ForwardedMessage[] } {
  const forwarded: ForwardedMessage[] = [];
  return {
    forwarded,
    attach(_local: LocalDelivery) {},
    forward(message) {
      forwarded.push(message);
    },
    close: async () => {},
  };
}

describe('broadcast payloads', () => {
  it('refuses a Blob even with no local client, instead of forwarding "[object Blob]"', async () => {
    const { wss } = await startServer();
    const adapter = recordingAdapter();
    wss.setAdapter(adapter);
    expect(() => wss.broadcast(new Blob(['x']))).toThrow(TypeError);
    expect(adapter.forwarded).toEqual([]);
  });

  it('sends a number as text, like send(), locally and to other nodes', async () => {
    const { wss, url } = await startServer();
    const adapter = recordingAdapter();
    wss.setAdapter(adapter);
    const client = await openClient(url);
    const received = nextMessage(client);
    expect(wss.broadcast(42)).toBe(1);
    const { data, isBinary } = await received;
    expect(isBinary).toBe(false);
    expect(String(data)).toBe('42');
    expect(adapter.forwarded).toEqual([{ kind: 'broadcast', data: '42', binary: false }]);
  });

  it('forwards a Buffer as binary and a publish with its topic', async () => {
    const { wss } = await startServer();
    const adapter = recordingAdapter();
    wss.setAdapter(adapter);
    wss.broadcast(Uint8Array.from([1, 2]));
    wss.publish('room', 'hi');
    expect(adapter.forwarded).toEqual([
      { kind: 'broadcast', data: Buffer.from([1, 2]), binary: true },
      { kind: 'publish', topic: 'room', data: 'hi', binary: false },
    ]);
  });
});
