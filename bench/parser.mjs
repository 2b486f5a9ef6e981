// Parser throughput: the same stream of masked client frames, fed in 64 KiB chunks as a socket
// would deliver it, through ws6455's MessageReader (role server) and ws's Receiver, the latter
// pure JS (WS_NO_BUFFER_UTIL / WS_NO_UTF_8_VALIDATE) and with its native addons.
// Each variant runs in its own child process so ws reads its environment before loading.
//
//   npm run build && node bench/parser.mjs            # full table, saved to bench/results/parser.json
//   node bench/parser.mjs --variant ws6455            # one variant, JSON on stdout
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const CHUNK_SIZE = 64 * 1024;
/** Bytes of payload per timed pass; small frames get fewer bytes so a pass stays ~0.05-0.2 s. */
const CASES = [
  { name: 'binary 16 B', size: 16, text: false, streamBytes: 2 * 1024 * 1024 },
  { name: 'binary 1 KiB', size: 1024, text: false, streamBytes: 32 * 1024 * 1024 },
  { name: 'text 1 KiB', size: 1024, text: true, streamBytes: 32 * 1024 * 1024 },
  { name: 'binary 64 KiB', size: 64 * 1024, text: false, streamBytes: 128 * 1024 * 1024 },
  { name: 'binary 1 MiB', size: 1024 * 1024, text: false, streamBytes: 128 * 1024 * 1024 },
];
const PASSES = 5;
/**
 * The variants take turns this many times and each keeps its best pass: on a shared machine
 * other load only ever slows a pass down, so the fastest one is the least disturbed.
 */
const ROUNDS = 2;

const VARIANTS = {
  ws6455: { env: {} },
  'ws (pure JS)': { env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' } },
  'ws (addons)': { env: {} },
};

/** A masked client frame (RFC 6455 §5.2, §5.3) with a fixed key; payload is ASCII so text is valid UTF-8. */
function maskedFrame(size, text) {
  const lengthBytes = size <= 125 ? 0 : size <= 0xffff ? 2 : 8;
  const frame = Buffer.alloc(2 + lengthBytes + 4 + size);
  frame[0] = 0x80 | (text ? 0x1 : 0x2);
  frame[1] = 0x80 | (lengthBytes === 0 ? size : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) frame.writeUInt16BE(size, 2);
  if (lengthBytes === 8) frame.writeBigUInt64BE(BigInt(size), 2);
  const keyAt = 2 + lengthBytes;
  frame.set([0x12, 0x34, 0x56, 0x78], keyAt);
  for (let i = 0; i < size; i++) frame[keyAt + 4 + i] = (0x41 + (i % 26)) ^ frame[keyAt + (i & 3)];
  return frame;
}

/** The wire stream of one pass, cut into socket-sized chunks. */
function buildStream(testCase) {
  const frame = maskedFrame(testCase.size, testCase.text);
  const frameCount = Math.max(1, Math.floor(testCase.streamBytes / testCase.size));
  const wire = Buffer.allocUnsafe(frame.length * frameCount);
  for (let i = 0; i < frameCount; i++) frame.copy(wire, i * frame.length);
  return { wire, frameCount };
}

/** Fresh chunks for each pass: both parsers unmask in place, so a pass consumes its input. */
function chunksOf(wire) {
  const chunks = [];
  for (let at = 0; at < wire.length; at += CHUNK_SIZE) chunks.push(Buffer.from(wire.subarray(at, at + CHUNK_SIZE)));
  return chunks;
}

async function makeWs6455Parser() {
  const { MessageReader } = await import(join(here, '../dist/esm/protocol/message.js'));
  return () => {
    const reader = new MessageReader({ role: 'server', maxPayload: 0, allowRsv1: false });
    let messages = 0;
    return {
      feed(chunk) {
        reader.push(chunk);
        for (let event = reader.next(); event !== null; event = reader.next()) {
          if (event.type === 'message') messages++;
          else throw new Error(`unexpected event ${JSON.stringify(event)}`);
        }
      },
      count: () => messages,
    };
  };
}

function makeWsParser() {
  const require = createRequire(import.meta.url);
  // ws's package exports do not expose lib/receiver; its entry carries the same class.
  const { Receiver } = require('ws');
  return () => {
    const receiver = new Receiver({ isServer: true, maxPayload: 0 });
    let messages = 0;
    receiver.on('message', () => messages++);
    receiver.on('error', (error) => {
      throw error;
    });
    return { feed: (chunk) => receiver.write(chunk), count: () => messages };
  };
}

async function runPass(createParser, wire, frameCount) {
  const chunks = chunksOf(wire);
  const parser = createParser();
  // Start every pass from a clean heap, so no pass pays for the garbage of the one before.
  globalThis.gc?.();
  const start = process.hrtime.bigint();
  for (const chunk of chunks) parser.feed(chunk);
  // ws's Receiver is a Writable: it may finish on a later tick.
  while (parser.count() < frameCount) await new Promise((resolve) => setImmediate(resolve));
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function runVariant(name) {
  const createParser = name === 'ws6455' ? await makeWs6455Parser() : makeWsParser();
  const results = {};
  for (const testCase of CASES) {
    const { wire, frameCount } = buildStream(testCase);
    await runPass(createParser, wire, frameCount); // warm-up
    const seconds = [];
    for (let pass = 0; pass < PASSES; pass++) seconds.push(await runPass(createParser, wire, frameCount));
    const best = Math.min(...seconds);
    results[testCase.name] = {
      mibPerSecond: (frameCount * testCase.size) / best / (1024 * 1024),
      framesPerSecond: frameCount / best,
    };
  }
  return results;
}

async function main() {
  const variantIndex = process.argv.indexOf('--variant');
  if (variantIndex !== -1) {
    process.stdout.write(JSON.stringify(await runVariant(process.argv[variantIndex + 1])));
    return;
  }
  const measured = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, { env }] of Object.entries(VARIANTS)) {
      const output = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--variant', name], {
        env: { ...process.env, ...env },
        maxBuffer: 1 << 20,
      });
      measured[name] = keepBest(measured[name], JSON.parse(output.toString()));
    }
  }
  const rows = CASES.map(({ name }) => {
    const ours = measured.ws6455[name];
    const pure = measured['ws (pure JS)'][name];
    const addons = measured['ws (addons)'][name];
    return {
      case: name,
      'ws6455 MiB/s': round(ours.mibPerSecond),
      'ws6455 frames/s': Math.round(ours.framesPerSecond),
      'ws pure JS MiB/s': round(pure.mibPerSecond),
      'ws addons MiB/s': round(addons.mibPerSecond),
      'ratio vs pure JS': round(ours.mibPerSecond / pure.mibPerSecond, 2),
      'ratio vs addons': round(ours.mibPerSecond / addons.mibPerSecond, 2),
    };
  });
  console.table(rows);
  mkdirSync(join(here, 'results'), { recursive: true });
  const report = { node: process.version, chunkSize: CHUNK_SIZE, passes: PASSES, rounds: ROUNDS, date: new Date().toISOString(), measured, rows };
  writeFileSync(join(here, 'results/parser.json'), JSON.stringify(report, null, 2) + '\n');
  console.log('saved bench/results/parser.json');
}

function keepBest(previous, current) {
  if (previous === undefined) return current;
  const best = {};
  for (const name of Object.keys(current)) {
    best[name] = previous[name].mibPerSecond >= current[name].mibPerSecond ? previous[name] : current[name];
  }
  return best;
}

function round(value, digits = 1) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

await main();
