// Regression (issue 12): with a CRLF in a header value or an invalid perMessageDeflate option,
// the client constructor threw after net.connect, and the TCP connection stayed open. Every
// option is now checked before any socket exists: a listening server must see no connection.
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, type ClientOptions } from '../../src/index.js';
import { nextEvent } from '../interop/support/events.js';

let server: net.Server;
let url: string;
let connections = 0;

beforeAll(async () => {
  server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await nextEvent(server, 'listening');
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Gives a connection that was started time to reach the server (connect is asynchronous). */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const invalid: Array<[string, unknown[], ErrorConstructor, string | undefined]> = [
  ['a CRLF in a header value (the reported case)', [{ headers: { 'x-a': 'a\r\nb' } }], TypeError, 'ERR_INVALID_CHAR'],
  ['a header name that is not a token', [{ headers: { 'x a': '1' } }], TypeError, 'ERR_INVALID_HTTP_TOKEN'],
  ['an undefined header value', [{ headers: { 'x-a': undefined } }], TypeError, 'ERR_HTTP_INVALID_HEADER_VALUE'],
  ['a CRLF in origin', [{ origin: 'https://a\r\nb' }], TypeError, 'ERR_INVALID_CHAR'],
  ['perMessageDeflate serverMaxWindowBits 20 (the reported case)', [{ perMessageDeflate: { serverMaxWindowBits: 20 } }], RangeError, undefined],
  ['perMessageDeflate clientMaxWindowBits 7', [{ perMessageDeflate: { clientMaxWindowBits: 7 } }], RangeError, undefined],
  ['protocolVersion 9', [{ protocolVersion: 9 }], RangeError, undefined],
  ['a negative handshakeTimeout', [{ handshakeTimeout: -1 }], RangeError, 'ERR_OUT_OF_RANGE'],
  ['a string handshakeTimeout', [{ handshakeTimeout: 'abc' }], TypeError, 'ERR_INVALID_ARG_TYPE'],
  ['a maxRedirects that is not a number', [{ maxRedirects: 'x' }], TypeError, 'ERR_INVALID_ARG_TYPE'],
  ['an agent without addRequest', [{ agent: {} }], TypeError, 'ERR_INVALID_ARG_TYPE'],
  ['an invalid subprotocol', [['a b']], SyntaxError, undefined],
];

describe('an invalid client option throws in the constructor, before any connection is opened', () => {
  it.each(invalid)('%s', async (_title, args, ErrorClass, code) => {
    const before = connections;
    let thrown: unknown;
    try {
      new WebSocket(url, ...(args as [ClientOptions]));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ErrorClass);
    if (code !== undefined) expect((thrown as { code?: string }).code).toBe(code);
    await settle();
    expect(connections).toBe(before);
  });

  it('a valid constructor does reach the server (the probe above can fail)', async () => {
    const before = connections;
    const ws = new WebSocket(url);
    const closed = new Promise((resolve) => ws.on('close', resolve));
    ws.on('error', () => {});
    await closed;
    expect(connections).toBe(before + 1);
  });
});
