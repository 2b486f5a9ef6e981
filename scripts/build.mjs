// Builds dist/esm (ES modules) and dist/cjs (CommonJS) with type declarations, using only tsc.
// The CommonJS entry mirrors ws: require('ws6455') is the WebSocket class itself, carrying
// WebSocketServer, Server, createWebSocketStream and the rest as properties.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { stdio: 'inherit' });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.cjs.json'], { stdio: 'inherit' });

writeFileSync('dist/esm/package.json', '{ "type": "module" }\n');
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
writeFileSync(
  'dist/cjs/index.cjs',
  `'use strict';
const api = require('./index.js');
const WebSocket = api.WebSocket;
for (const name of Object.keys(api)) {
  if (name !== 'default' && !(name in WebSocket)) WebSocket[name] = api[name];
}
module.exports = WebSocket;
`,
);
writeFileSync(
  'dist/cjs/index.d.cts',
  `import * as api from './index.js';
declare const WebSocket: typeof api.WebSocket & typeof api;
export = WebSocket;
`,
);
console.log('built dist/esm and dist/cjs');
