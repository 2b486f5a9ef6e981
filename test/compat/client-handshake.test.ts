// The client's checks of the server's 101 (ws's doc/ws.md: the 'error' event when the opening
// handshake fails): a raw peer answers with the same flawed responses to ws's client and to
// ws6455's; the 'upgrade', 'error' and 'close' events each emits are compared.
import { createHash } from 'node:crypto';
import { describe } from 'vitest';
import { compareClientBehaviours, reportClientTally, type ClientScope } from './client-support.js';

reportClientTally('client-handshake');

const accept = (key: string): string => createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');

/** Builds the response from the request's key; `headers` replaces or (with undefined) removes defaults. */
type ResponseSpec = { status?: string; headers?: Record<string, string | undefined> };


/** A raw peer answering every upgrade with `spec`; logs the client's events, protocol and extensions. */
async function respondWith(scope: ClientScope, spec: ResponseSpec, options: object = {}, protocols: string[] = []): Promise<void> {
  const { url } = await scope.rawServer((socket) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
      const headers: Record<string, string | undefined> = { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Accept': accept(key), ...spec.headers };
      let response = `HTTP/1.1 ${spec.status ?? '101 Switching Protocols'}\r\n`;
      for (const [name, value] of Object.entries(headers)) if (value !== undefined) response += `${name}: ${value}\r\n`;
      socket.write(`${response}\r\n`);
      head = '';
    });
  });
  const ws = scope.client(url, protocols, options);
  ws.on('upgrade', () => scope.note('upgrade', ws.readyState));
  const saw = scope.record(ws);
  await Promise.race([saw('open'), saw('close')]);
  scope.note('protocol', JSON.stringify(ws.protocol), 'extensions', JSON.stringify(ws.extensions));
}

const cases: Array<[string, ResponseSpec, object?, string[]?]> = [
  ['a wrong Sec-WebSocket-Accept', { headers: { 'Sec-WebSocket-Accept': 'nope' } }],
  ['no Upgrade header', { headers: { Upgrade: undefined } }],
  ['Upgrade: h2c', { headers: { Upgrade: 'h2c' } }],
  ['no Connection header', { headers: { Connection: undefined } }],
  ['Connection: keep-alive', { headers: { Connection: 'keep-alive' } }],
  ['a subprotocol that was not offered', { headers: { 'Sec-WebSocket-Protocol': 'chat' } }],
  ['no subprotocol when one was offered', {}, {}, ['chat']],
  ['another subprotocol than those offered', { headers: { 'Sec-WebSocket-Protocol': 'other' } }, {}, ['chat']],
  ['an extension when none was offered', { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } }, { perMessageDeflate: false }],
  ['an extension that was not offered', { headers: { 'Sec-WebSocket-Extensions': 'x-foo' } }],
  ['a malformed extensions header', { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate;;' } }],
  ['server_max_window_bits out of range', { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; server_max_window_bits=20' } }],
  ['client_max_window_bits above the offer', { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits=15' } }, { perMessageDeflate: { clientMaxWindowBits: 10 } }],
  ['an unknown deflate parameter', { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; foo=1' } }],
  ['a valid deflate answer', { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits=10; server_no_context_takeover' } }],
  ['a valid subprotocol answer', { headers: { 'Sec-WebSocket-Protocol': 'b' } }, {}, ['a', 'b']],
];

describe('permessage-deflate accepted twice in the response', () => {
  compareClientBehaviours([
    {
      title: 'fails the handshake',
      differs: {
        why: 'ws6455 refuses a response that accepts permessage-deflate twice; ws uses the first',
        ws: ['upgrade 0', ' open 1', 'protocol "" extensions "permessage-deflate"'],
        ws6455: ['upgrade 0', ' error Error: Invalid Sec-WebSocket-Extensions header 2', ' close 1006 "" 3', 'protocol "" extensions ""'],
      },
      run: (scope) => respondWith(scope, { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate, permessage-deflate' } }),
    },
  ]);
});

describe("the server's 101, checked by the client", () => {
  compareClientBehaviours(
    cases.map(([title, spec, options, protocols]) => ({
      title,
      run: (scope) => respondWith(scope, spec, options, protocols),
    })),
  );
});
