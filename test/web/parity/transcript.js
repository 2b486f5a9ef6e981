// One script, run unchanged in headless Chromium (its native WebSocket and WebSocketStream) and in
// Node (ws6455/web's), against the same local server. It returns a transcript of the events,
// attributes and exceptions it observed; the two transcripts must be equal. Plain JavaScript
// read as text, so that no compiler rewrites it differently for the two sides.
// `env` holds WebSocket, WebSocketStream, CloseEvent; `args` the server URLs.
async (env, args) => {
  const { WebSocket, WebSocketStream, CloseEvent } = env;
  const log = [];
  const note = (...entry) => log.push(entry.map((value) => (value === undefined ? 'undefined' : value)));
  const failure = (error) => (error instanceof DOMException ? `DOMException ${error.name}` : error.constructor.name);
  const attempt = (label, action) => {
    try {
      action();
      note(label, 'no exception');
    } catch (error) {
      note(label, failure(error));
    }
  };
  const wait = (target, type) => new Promise((resolve) => target.addEventListener(type, resolve, { once: true }));
  const extension = (value) => value.split(';')[0];

  // -- constructor: the URL, port and subprotocol rules
  const base = args.base;
  attempt('no argument', () => new WebSocket());
  for (const url of ['ws://foo bar.com/', 'ftp://127.0.0.1/', 'mailto:a@b.c', 'about:blank', `${base}/#`, `${base}/#test`, 'ws://127.0.0.1:25/', 'ws://127.0.0.1:6000/']) {
    attempt(`url ${url.replace(base, 'BASE')}`, () => new WebSocket(url).close());
  }
  for (const protocol of ['', 'a b', 'a,b', 'a/b', '\u0080echo', 'a{b', 'a\tb', 'a\u007fb']) {
    attempt(`protocol ${JSON.stringify(protocol)}`, () => new WebSocket(`${base}/echo`, protocol));
  }
  attempt('protocols repeated', () => new WebSocket(`${base}/echo`, ['echo', 'echo']));
  attempt('protocols repeated, other case', () => new WebSocket(`${base}/echo`, ['echo', 'eCho']));
  const http = new WebSocket(args.httpBase + '/echo');
  note('http url', http.url.replace(base, 'BASE'));
  http.close();
  const relative = new WebSocket('/echo');
  note('relative url', relative.url.replace(base, 'BASE'));
  relative.close();

  // -- the interface
  note('length', WebSocket.length, 'constants', WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED);
  const constant = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'OPEN');
  note('constant descriptor', constant.writable, constant.enumerable, constant.configurable);
  for (const name of ['url', 'readyState', 'bufferedAmount', 'binaryType', 'onmessage', 'send', 'close']) {
    const descriptor = Object.getOwnPropertyDescriptor(WebSocket.prototype, name);
    note('member', name, typeof descriptor.get, typeof descriptor.set, typeof descriptor.value, descriptor.enumerable);
  }
  const event = new CloseEvent('close', { code: 3000, reason: 'r', wasClean: true });
  note('CloseEvent', CloseEvent.length, event.type, event.code, event.reason, event.wasClean, event instanceof Event);

  // -- a connection: attributes and events in order
  const ws = new WebSocket(`${base}/echo`, ['echo', 'chat']);
  note('connecting', ws.readyState, ws.protocol, ws.extensions, ws.binaryType, ws.bufferedAmount);
  attempt('send while connecting', () => ws.send('x'));
  ws.onmessage = { handleEvent() {} };
  note('onmessage object kept', typeof ws.onmessage);
  ws.onopen = 2;
  note('onopen non-object', ws.onopen);
  ws.binaryType = 'nodebuffer';
  note('binaryType ignored', ws.binaryType);
  await wait(ws, 'open');
  note('open', ws.readyState, ws.protocol, extension(ws.extensions));
  const messages = [];
  ws.onmessage = (message) => messages.push(message);
  ws.send('héllo');
  note('bufferedAmount after text', ws.bufferedAmount);
  await wait(ws, 'message');
  ws.send(null);
  await wait(ws, 'message');
  ws.send(new Uint8Array([1, 2, 3]));
  await wait(ws, 'message');
  ws.binaryType = 'arraybuffer';
  ws.send(new Uint16Array([0x0201, 0x0403]).subarray(1));
  await wait(ws, 'message');
  for (const message of messages) {
    const data = message.data;
    const shown = typeof data === 'string' ? data : data instanceof Blob ? `Blob ${data.size}` : `ArrayBuffer ${[...new Uint8Array(data)]}`;
    note('message', message.constructor.name, shown, message.origin.replace(base, 'BASE'));
  }
  for (const code of [0, 999, 1001, 2999, 5000, NaN, 'x']) attempt(`close(${code})`, () => ws.close(code));
  attempt('close reason 124 bytes', () => ws.close(1000, 'x'.repeat(124)));
  ws.close(3000, 'bye');
  note('after close()', ws.readyState);
  const closed = await wait(ws, 'close');
  note('close', closed.constructor.name, closed.code, closed.reason, closed.wasClean, ws.readyState);
  ws.send('after close');
  note('bufferedAmount after close', ws.bufferedAmount);

  // -- failing: close() while connecting, a refused connection, a bad port, a server close, a dropped connection
  const scenarios = {
    'close while connecting': (socket) => socket.close(),
    refused: null,
    'blocked port': null,
    'handshake refused': null,
    'server closes': (socket) => socket.addEventListener('open', () => socket.send('close 4001 server')),
    dropped: (socket) => socket.addEventListener('open', () => socket.send('drop')),
  };
  for (const [name, act] of Object.entries(scenarios)) {
    const url = { refused: `ws://127.0.0.1:${args.closedPort}/`, 'blocked port': 'ws://127.0.0.1:25/', 'handshake refused': `${base}/refuse` }[name] ?? `${base}/echo`;
    const socket = new WebSocket(url);
    const events = [];
    for (const type of ['open', 'error', 'close']) {
      socket.addEventListener(type, (e) => events.push(type === 'close' ? `close ${e.code} ${e.reason} ${e.wasClean} ${socket.readyState}` : `${type} ${socket.readyState}`));
    }
    if (act) act(socket);
    note(name, 'readyState', socket.readyState);
    await wait(socket, 'close');
    note(name, ...events);
  }

  // -- WebSocketStream
  attempt('stream no argument', () => new WebSocketStream());
  attempt('stream options true', () => new WebSocketStream(`${base}/echo`, true));
  attempt('stream protocols string', () => new WebSocketStream(`${base}/echo`, { protocols: 'hi' }));
  const stream = new WebSocketStream(`${base}/echo`, { protocols: ['echo'] });
  const info = await stream.opened;
  note('opened', Object.keys(info).join(','), info.protocol, extension(info.extensions));
  const writer = info.writable.getWriter();
  const reader = info.readable.getReader();
  await writer.write('stream text');
  const text = await reader.read();
  await writer.write(new Uint8Array([7, 8]));
  const binary = await reader.read();
  note('stream read', text.value, Object.prototype.toString.call(binary.value), binary.value.byteLength);
  for (const closeInfo of [true, { closeCode: 1001 }, { reason: 'x'.repeat(124) }]) attempt(`stream close(${JSON.stringify(closeInfo)})`, () => stream.close(closeInfo));
  stream.close({ closeCode: 3456, reason: 'pizza' });
  note('stream closed', JSON.stringify(await stream.closed));
  const early = new WebSocketStream(`${base}/echo`);
  early.close();
  for (const promise of [early.opened, early.closed]) {
    await promise.then(
      () => note('early', 'resolved'),
      (error) => note('early', failure(error), error.name, error.closeCode, error.reason),
    );
  }
  const refused = new WebSocketStream(`${base}/refuse`);
  for (const promise of [refused.opened, refused.closed]) {
    await promise.then(
      () => note('stream handshake refused', 'resolved'),
      (error) => note('stream handshake refused', failure(error), error.closeCode, error.reason),
    );
  }
  const controller = new AbortController();
  controller.abort();
  const aborted = new WebSocketStream(`${base}/echo`, { signal: controller.signal });
  await aborted.opened.catch((error) => note('aborted', failure(error)));
  return log;
}
