// What the benchmarks compare. Ratios in the report are against REFERENCE.

export const REFERENCE = 'ws+addons';

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
  tcp: { label: 'bare TCP', server: 'servers/tcp-echo.mjs', env: {}, protocol: 'raw' },
};
