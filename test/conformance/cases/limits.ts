// Autobahn 9.x: limits and performance. Large messages (9.1/9.2), large messages in many
// fragments (9.3/9.4), large messages in small TCP chops (9.5/9.6) and many round trips
// (9.7/9.8). CI runs them scaled down (sizes capped, fewer round trips); AUTOBAHN_FULL=1 runs
// the suite's sizes (up to 16 MiB) and counts.
import { FULL, cleanNormalClose, message, type ConformanceCase } from './case.js';
import { repeatTo } from '../peer/wire.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Message size cap in CI: big enough for 64-bit lengths and many TCP reads, small enough for 2 cores. */
const CI_MESSAGE_CAP = 1 * MiB;
const CI_CHOPPED_MESSAGE = 256 * KiB;
const CI_ROUND_TRIPS = 100;

const capped = (size: number, cap = CI_MESSAGE_CAP): number => (FULL ? size : Math.min(size, cap));
const payloadFor = (binary: boolean, size: number): Buffer => repeatTo(binary ? Buffer.from([0xfe]) : 'BAsd7&jh23', size);
const kind = (binary: boolean): string => (binary ? 'binary' : 'text');
const sizeLabel = (size: number): string => (size >= MiB ? `${size / MiB} MiB` : `${size / KiB} KiB`);
/** Time allowed per case: generous, as Autobahn's are (100 s for 16 MiB). */
const timeoutFor = (size: number): number => 10_000 + Math.ceil(size / MiB) * 2_000;

function largeMessages(group: string, binary: boolean): ConformanceCase[] {
  return [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB, 16 * MiB].map((full, index) => {
    const size = capped(full);
    const payload = payloadFor(binary, size);
    return {
      id: `${group}.${index + 1}`,
      description: `Send ${kind(binary)} message of ${sizeLabel(full)}${size !== full ? ` (CI: ${sizeLabel(size)})` : ''}.`,
      ok: [message(payload, binary)],
      close: cleanNormalClose,
      timeoutMs: timeoutFor(size),
      async play(peer) {
        await peer.sendFrame({ opcode: binary ? 0x2 : 0x1, payload });
      },
    };
  });
}

function fragmentedMessages(group: string, binary: boolean): ConformanceCase[] {
  const full = 4 * MiB;
  const size = capped(full);
  const payload = payloadFor(binary, size);
  return [64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB].map((fragmentSize, index) => ({
    id: `${group}.${index + 1}`,
    description: `Send ${kind(binary)} message of ${sizeLabel(full)}${size !== full ? ` (CI: ${sizeLabel(size)})` : ''} in fragments of ${fragmentSize} bytes.`,
    ok: [message(payload, binary)],
    close: cleanNormalClose,
    timeoutMs: timeoutFor(size * 2),
    async play(peer) {
      await peer.sendMessage(payload, binary, { fragmentSize });
    },
  }));
}

function choppedMessages(group: string, binary: boolean): ConformanceCase[] {
  const full = 1 * MiB;
  const size = capped(full, CI_CHOPPED_MESSAGE);
  const payload = payloadFor(binary, size);
  return [64, 128, 256, 512, 1024, 2048].map((chop, index) => ({
    id: `${group}.${index + 1}`,
    description: `Send ${kind(binary)} message of ${sizeLabel(full)}${size !== full ? ` (CI: ${sizeLabel(size)})` : ''} in TCP chops of ${chop} bytes.`,
    ok: [message(payload, binary)],
    close: cleanNormalClose,
    timeoutMs: timeoutFor(size * 4),
    async play(peer) {
      await peer.sendFrame({ opcode: binary ? 0x2 : 0x1, payload }, { chop });
    },
  }));
}

function roundTrips(group: string, binary: boolean): ConformanceCase[] {
  const count = FULL ? 1000 : CI_ROUND_TRIPS;
  return [0, 16, 64, 256, 1024, 4096].map((size, index) => {
    const payload = payloadFor(binary, size);
    return {
      id: `${group}.${index + 1}`,
      description: `Send ${count} ${kind(binary)} messages of ${size} bytes, one at a time, each after the previous echo.`,
      ok: [],
      close: cleanNormalClose,
      timeoutMs: 30_000,
      async play(peer) {
        await new Promise<void>((resolve) => {
          let echoed = 0;
          peer.onMessage = (data, isBinary) => {
            if (isBinary !== binary || !data.equals(payload)) {
              peer.caseFailure = `echo ${echoed + 1} differs from what was sent`;
              resolve();
            } else if (++echoed === count) resolve();
            else void peer.sendFrame({ opcode: binary ? 0x2 : 0x1, payload });
          };
          void peer.closed.then(() => {
            if (echoed < count) peer.caseFailure ??= `the connection closed after ${echoed} of ${count} echoes`;
            resolve();
          });
          void peer.sendFrame({ opcode: binary ? 0x2 : 0x1, payload });
        });
        await peer.sendClose(1000);
      },
    };
  });
}

export const limitsGroup: ConformanceCase[] = [
  ...largeMessages('9.1', false),
  ...largeMessages('9.2', true),
  ...fragmentedMessages('9.3', false),
  ...fragmentedMessages('9.4', true),
  ...choppedMessages('9.5', false),
  ...choppedMessages('9.6', true),
  ...roundTrips('9.7', false),
  ...roundTrips('9.8', true),
];

export const autoFragmentationGroup: ConformanceCase[] = [
  {
    id: '10.1.1',
    description: 'Send a 65536-byte text message auto-fragmented into frames of 1300 bytes.',
    ok: [message('*'.repeat(65536))],
    close: cleanNormalClose,
    async play(peer) {
      await peer.sendMessage('*'.repeat(65536), false, { fragmentSize: 1300 });
    },
  },
];
