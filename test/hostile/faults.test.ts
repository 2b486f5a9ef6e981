// Faults rather than attacks: a client that vanishes without a FIN (only the heartbeat can tell),
// and a server shut down in the middle of traffic (every client gets 1001, and nothing that send()
// acknowledged through its callback is lost).
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index.js';
import { activeResources, expectCleanAfter, onCleanup, startEchoServer, waitFor } from './helpers.js';

function openClient(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  onCleanup(() => ws.terminate());
  return once(ws, 'open').then(() => ws);
}

describe('heartbeat: a client that vanishes without FIN is reaped', () => {
  it('terminates (1006) a client that stopped reading, while a live client stays open', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ heartbeat: { interval: 150, timeout: 100 } });
    const live = await openClient(server.url);
    const vanished = await openClient(server.url);
    await waitFor(() => server.wss.clients.size === 2, 1000, 'both clients');
    // The process behind it is gone but the kernel still holds the connection: no FIN, no RST,
    // no pong. Pausing the socket stops it reading the server's pings.
    vanished._socket!.pause();
    vanished.removeAllListeners('pong');
    const started = Date.now();
    await waitFor(() => server.closeCodes.length === 1, 2000, 'the vanished client to be reaped');
    expect(server.closeCodes).toEqual([1006]);
    expect(Date.now() - started).toBeLessThan(1000);
    // The live client answered every ping and survives several more rounds.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(live.readyState).toBe(WebSocket.OPEN);
    expect(server.wss.clients.size).toBe(1);
    vanished.terminate();
    live.close(1000);
    await once(live, 'close');
    await expectCleanAfter(server, baseline);
  });
});

describe('server close() under load', () => {
  it('closes every client with 1001 and loses no message whose send callback succeeded', async () => {
    const baseline = activeResources();
    const server = await startEchoServer();
    const clientCount = 20;
    const received = new Map<WebSocket, Set<number>>();
    const closeCodes: number[] = [];
    const clients = await Promise.all(Array.from({ length: clientCount }, () => openClient(server.url)));
    for (const ws of clients) {
      const seen = new Set<number>();
      received.set(ws, seen);
      ws.on('message', (data: Buffer) => {
        if (data.length >= 4) seen.add(data.readUInt32BE(0));
        // Clients talk back, so the server is reading and writing when it shuts down.
        if (ws.readyState === ws.OPEN) ws.send(data.subarray(0, 16));
      });
      ws.on('close', (code: number) => closeCodes.push(code));
    }
    await waitFor(() => server.wss.clients.size === clientCount, 2000, 'all clients');

    const acknowledged = new Map<WebSocket, number[]>();
    let stop = false;
    const payload = Buffer.alloc(2048, 0x61);
    let index = 0;
    for (const serverSide of server.wss.clients) {
      const acks: number[] = [];
      acknowledged.set(serverSide, acks);
      // Numbers unique across sockets: socket index in the high digits.
      let sequence = index++ * 1_000_000;
      const pump = (): void => {
        if (stop || serverSide.readyState !== serverSide.OPEN) return;
        for (let burst = 0; burst < 20; burst++) {
          const message = Buffer.from(payload);
          const number = sequence++;
          message.writeUInt32BE(number, 0);
          serverSide.send(message, (error) => {
            if (!error) acks.push(number);
          });
        }
        setImmediate(pump);
      };
      pump();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closed = new Promise<void>((resolve) => server.wss.close(() => resolve()));
    await closed;
    stop = true;
    await waitFor(() => closeCodes.length === clientCount, 3000, 'every client closed');
    expect(closeCodes).toEqual(Array.from({ length: clientCount }, () => 1001));

    // The client that received a socket's first message must have received all it acknowledged.
    let totalAcknowledged = 0;
    for (const acks of acknowledged.values()) {
      totalAcknowledged += acks.length;
      expect(acks.length).toBeGreaterThan(0);
      const owner = [...received.values()].find((seen) => seen.has(acks[0]!))!;
      const lost = acks.filter((number) => !owner.has(number));
      expect(lost, `acknowledged but never received (of ${acks.length})`).toEqual([]);
    }
    expect(totalAcknowledged).toBeGreaterThan(clientCount * 20);
    await waitFor(() => [...activeResources()].every(([kind, count]) => count <= (baseline.get(kind) ?? 0)), 2000, 'resources released');
  });
});
