// Builds dist/esm (ES modules) and dist/cjs (CommonJS) with type declarations, using only tsc.
// The CommonJS entry mirrors ws: require('ws6455') is the WebSocket class itself, carrying
// WebSocketServer, Server, createWebSocketStream and the rest as properties.
// The build goes to a fresh folder that then replaces dist/ with a rename, so that concurrent
// builds (parallel test runs) never see or leave a half-written dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { commonJsDeclarations } from './cjs-types.mjs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const staging = `dist.build-${process.pid}`;

function compile(project, outDir) {
  execFileSync(process.execPath, [tsc, '-p', project, '--outDir', outDir], { stdio: 'inherit' });
}

try {
  compile('tsconfig.json', `${staging}/esm`);
  compile('tsconfig.cjs.json', `${staging}/cjs`);
  writeFileSync(`${staging}/esm/package.json`, '{ "type": "module" }\n');
  writeFileSync(`${staging}/cjs/package.json`, '{ "type": "commonjs" }\n');
  writeFileSync(
    `${staging}/cjs/index.cjs`,
    `'use strict';
const api = require('./index.js');
const WebSocket = api.WebSocket;
for (const name of Object.keys(api)) {
  if (name !== 'default' && !(name in WebSocket)) WebSocket[name] = api[name];
}
module.exports = WebSocket;
`,
  );
  // CommonJS types shaped as ws's (issue 11): see scripts/cjs-types.mjs.
  writeFileSync(`${staging}/cjs/index.d.cts`, commonJsDeclarations(`${staging}/cjs`));
  const retired = `dist.old-${process.pid}`;
  if (existsSync('dist')) renameSync('dist', retired);
  renameSync(staging, 'dist');
  rmSync(retired, { recursive: true, force: true });
  console.log('built dist/esm and dist/cjs');
} catch (error) {
  rmSync(staging, { recursive: true, force: true });
  throw error;
}
