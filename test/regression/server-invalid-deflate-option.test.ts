// Regression (issue 12): `new WebSocketServer({ port, perMessageDeflate: { serverMaxWindowBits: 20 } })`
// was accepted, and the first client offering compression caused an uncaught RangeError that
// killed the server. Options are now validated once, in the constructor, before any listener
// exists; a client's own malformed offer is refused with 400 and the server keeps serving.
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsClient } from 'ws';
import { WebSocketServer, type PerMessageDeflateOptions } from '../../src/index.js';
import { nextEvent } from '../interop/support/events.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const wss of servers.splice(0)) {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
});

/** A port that was free a moment ago (listen on 0, read it, close). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await nextEvent(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Whether something listens on `port` (a connection succeeds). */
function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('an invalid perMessageDeflate option throws in the constructor, before the port is bound', () => {
  it.each<[string, unknown, ErrorConstructor]>([
    ['serverMaxWindowBits: 20 (the reported case)', { serverMaxWindowBits: 20 }, RangeError],
    ['serverMaxWindowBits: 7', { serverMaxWindowBits: 7 }, RangeError],
    ['clientMaxWindowBits: 16', { clientMaxWindowBits: 16 }, RangeError],
    ['serverMaxWindowBits: 10.5', { serverMaxWindowBits: 10.5 }, RangeError],
    ['threshold: -1', { threshold: -1 }, RangeError],
    ['concurrencyLimit: 0', { concurrencyLimit: 0 }, RangeError],
    ['zlibDeflateOptions: { level: 20 }', { zlibDeflateOptions: { level: 20 } }, RangeError],
    ['zlibInflateOptions: { windowBits: 99 }', { zlibInflateOptions: { windowBits: 99 } }, RangeError],
    ['a string instead of an object', 'yes', TypeError],
  ])('%s', async (_name, perMessageDeflate, ErrorClass) => {
    const port = await freePort();
    const construct = () =>
      new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: perMessageDeflate as PerMessageDeflateOptions });
    expect(construct).toThrow(ErrorClass);
    expect(await isListening(port)).toBe(false);
  });

  it('the same checks apply in noServer mode', () => {
    expect(() => new WebSocketServer({ noServer: true, perMessageDeflate: { serverMaxWindowBits: 20 } })).toThrow(
      /serverMaxWindowBits/,
    );
  });
});

describe('a valid server meets clients offering compression', () => {
  async function start(perMessageDeflate: PerMessageDeflateOptions): Promise<string> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate });
    servers.push(wss);
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    await nextEvent(wss, 'listening');
    return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  }

  it('negotiates serverMaxWindowBits 8 (the smallest window) and echoes a compressible message', async () => {
    const url = await start({ serverMaxWindowBits: 8, threshold: 0 });
    const client = new WsClient(url, { perMessageDeflate: { serverMaxWindowBits: 8 } });
    // 'open' follows 'upgrade' in the same tick: wait for both together.
    const [[response]] = (await Promise.all([nextEvent(client, 'upgrade'), nextEvent(client, 'open')])) as [[{ headers: Record<string, string> }], unknown];
    expect(response.headers['sec-websocket-extensions']).toBe('permessage-deflate; server_max_window_bits=8');
    client.send('x'.repeat(5000));
    const [data] = await nextEvent(client, 'message');
    expect(String(data)).toBe('x'.repeat(5000));
    client.close();
  });

  it('refuses an offer of server_max_window_bits=20 with 400 and keeps serving', async () => {
    const url = await start({});
    const refused = new WsClient(url, { perMessageDeflate: { serverMaxWindowBits: 20 } });
    const [, response] = (await nextEvent(refused, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(response.statusCode).toBe(400);
    refused.on('error', () => {});
    refused.terminate();
    const next = new WsClient(url);
    await nextEvent(next, 'open');
    expect(next.extensions).toBe('permessage-deflate');
    next.close();
  });
});
