// Frame writing strategy by payload size: header and payload as two buffers under one cork
// (writev), or copied into one buffer first. Chooses frame-writer.ts's SINGLE_BUFFER_THRESHOLD.
//   node bench/parser-writev.mjs
import { once } from 'node:events';
import { createServer, connect } from 'node:net';

const SIZES = [128, 512, 1024, 2048, 4096, 8192, 16384];
const BYTES_PER_RUN = 32 * 1024 * 1024;

const server = createServer((socket) => socket.resume());
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const socket = connect(server.address().port, '127.0.0.1');
await once(socket, 'connect');
socket.setNoDelay(true);

const header = Buffer.from([0x82, 0x7e, 0x00, 0x00]);
const strategies = {
  writev(payload) {
    socket.cork();
    socket.write(header);
    const ok = socket.write(payload);
    socket.uncork();
    return ok;
  },
  copy(payload) {
    const frame = Buffer.allocUnsafe(header.length + payload.length);
    header.copy(frame, 0);
    payload.copy(frame, header.length);
    return socket.write(frame);
  },
};

async function run(strategy, payload) {
  const count = Math.floor(BYTES_PER_RUN / payload.length);
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    if (!strategy(payload)) await once(socket, 'drain');
  }
  if (socket.writableLength > 0) await once(socket, 'drain');
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const rows = [];
for (const size of SIZES) {
  const payload = Buffer.alloc(size, 1);
  const row = { size };
  for (const [name, strategy] of Object.entries(strategies)) {
    await run(strategy, payload); // warm-up
    let best = Infinity;
    for (let pass = 0; pass < 3; pass++) best = Math.min(best, await run(strategy, payload));
    row[`${name} MiB/s`] = Math.round(BYTES_PER_RUN / best / (1024 * 1024));
  }
  rows.push(row);
}
console.table(rows);
socket.destroy();
server.close();
