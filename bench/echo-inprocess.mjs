// Echo without the kernel: a ws6455 server connection on an in-memory Duplex, fed batches of
// masked client frames, echoing through the library's whole receive and send path (parser,
// unmasking, message event, send, framing, send queue, the Duplex's write). The CPU per message
// is the library's own cost plus Node's stream machinery, free of loopback TCP, context switches
// and the other engineers' load that make bench/run.mjs noisy on a shared machine.
//   node bench/echo-inprocess.mjs [--sizes=16,1024,65536,1048576] [--ms=1500]
// WS6455_DIST=<dist folder> measures another build; BENCH_BASELINE_DIST=<dist> runs a baseline beside it.
import { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { OPCODE_BINARY, buildMaskedFrame, repeatFrame } from './lib/client-frames.mjs';
import { binaryPayload } from './lib/payloads.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const sizes = (args.sizes ?? '16,1024,65536,1048576').split(',').map(Number);
const windowMs = Number(args.ms ?? 1500);
const READ_SIZE = 64 * 1024;
const builds = [['ws6455', process.env.WS6455_DIST]];
if (process.env.BENCH_BASELINE_DIST) builds.push(['baseline', process.env.BENCH_BASELINE_DIST]);

const libraries = [];
for (const [name, dist] of builds) {
  const entry = dist ? pathToFileURL(`${dist}/esm/index.js`).href : new URL('../dist/esm/index.js', import.meta.url).href;
  libraries.push([name, await import(`${entry}?${name}`)]);
}

/** An upgraded server connection on a Duplex that counts echoed bytes; returns feed(bytes). */
async function openEcho({ WebSocketServer }, onEchoBytes) {
  const wss = new WebSocketServer({ noServer: true });
  const socket = new Duplex({
    read() {},
    write(chunk, _encoding, callback) {
      onEchoBytes(chunk.length);
      callback();
    },
    writev(chunks, callback) {
      for (const { chunk } of chunks) onEchoBytes(chunk.length);
      callback();
    },
  });
  const request = {
    method: 'GET',
    url: '/',
    httpVersion: '1.1',
    headers: {
      host: '127.0.0.1',
      upgrade: 'websocket',
      connection: 'Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
    },
    socket,
  };
  const ws = await new Promise((resolve) => wss.handleUpgrade(request, socket, Buffer.alloc(0), resolve));
  ws.on('message', function echo(data, isBinary) {
    this.send(data, { binary: isBinary });
  });
  // In 64 KiB reads, as libuv hands a socket's bytes to Node.
  return (bytes) => {
    for (let at = 0; at < bytes.length; at += READ_SIZE) socket.push(bytes.subarray(at, at + READ_SIZE));
  };
}

async function measure(library, size) {
  const window = size >= 1 << 20 ? 2 : 16;
  const frame = buildMaskedFrame(binaryPayload(size), { opcode: OPCODE_BINARY });
  const batch = repeatFrame(frame, window);
  const echoedFrameLength = size + (size <= 125 ? 2 : size <= 0xffff ? 4 : 10);
  let echoedBytes = 0;
  let counting = false;
  const feed = await openEcho(library, (count) => {
    if (counting) echoedBytes += count;
  });
  // One batch in flight at a time, like the load generator's window, fed from the event loop.
  const deadline = (ms) => {
    const end = Date.now() + ms;
    return new Promise((resolve) => {
      const step = () => {
        feed(batch);
        if (Date.now() < end) setImmediate(step);
        else setImmediate(resolve);
      };
      step();
    });
  };
  await deadline(300);
  counting = true;
  const before = process.cpuUsage();
  await deadline(windowMs);
  const cpu = process.cpuUsage(before);
  const messages = echoedBytes / echoedFrameLength;
  return (cpu.user + cpu.system) / messages;
}

console.log(`in-process echo (no kernel), CPU µs per message, ${windowMs} ms windows, alternating builds, 3 rounds`);
for (const size of sizes) {
  const results = Object.fromEntries(libraries.map(([name]) => [name, []]));
  for (let round = 0; round < 3; round++) {
    for (const [name, library] of libraries) results[name].push(await measure(library, size));
  }
  const cells = libraries.map(([name]) => {
    const sorted = results[name].sort((a, b) => a - b);
    return `${name} ${sorted[1].toFixed(3)} (${sorted[0].toFixed(3)}–${sorted[2].toFixed(3)})`;
  });
  console.log(`  ${String(size).padStart(8)} B: ${cells.join('   ')}`);
}
process.exit(0);
