// What the benchmarks compare. Ratios in the report are against REFERENCE, and against uWS.js
// (UWS) where it ran.
import { resolve } from 'node:path';

export const REFERENCE = 'ws+addons';
/** The second yardstick: uWebSockets.js, C++ (optional, see bench/lib/uws.mjs). */
export const UWS = 'uws';
/** An earlier build of ws6455 run beside the current one (BENCH_BASELINE_DIST=<dist folder>). */
export const BASELINE = 'ws6455-base';

/**
 * server: script under bench/ started per scenario; env: its environment additions;
 * protocol: how the load generator talks to it ('ws', or 'raw' bytes for the TCP echo);
 * client: the library name bench/clients/echo-client.mjs loads for client throughput.
 */
export const IMPLEMENTATIONS = {
  ws6455: { label: 'ws6455', server: 'servers/ws6455.mjs', env: {}, protocol: 'ws', client: 'ws6455' },
  ws: {
    label: 'ws (pure JS)',
    server: 'servers/ws.mjs',
    env: { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' },
    protocol: 'ws',
    client: 'ws',
  },
  'ws+addons': { label: 'ws + addons', server: 'servers/ws.mjs', env: {}, protocol: 'ws', client: 'ws' },
  uws: { label: 'uWS.js', server: 'servers/uws.mjs', env: {}, protocol: 'ws' },
  tcp: { label: 'bare TCP', server: 'servers/tcp-echo.mjs', env: {}, protocol: 'raw' },
};

// Before/after side by side in one run: the baseline build runs wherever ws6455 does.
const baselineDist = process.env.BENCH_BASELINE_DIST;
if (baselineDist) {
  const env = { WS6455_DIST: resolve(baselineDist) };
  IMPLEMENTATIONS[BASELINE] = { label: 'ws6455 baseline', server: 'servers/ws6455.mjs', env, protocol: 'ws', client: 'ws6455' };
}
