// ws6455/web as users load it from the built package: `require('ws6455/web')` and
// `import ... from 'ws6455/web'` in a separate Node process (the package resolves itself by name
// through its "exports"), each running a round trip against a `ws` echo server. dist/ is built by
// the vitest global setup.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

// The same script for both module systems; `load` is the only difference.
const script = (load: string): string => `
${load}
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () => {
  wss.on('connection', (peer) => peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary })));
  const ws = new web.WebSocket('ws://127.0.0.1:' + wss.address().port + '/');
  const log = [typeof web.WebSocketStream, typeof web.CloseEvent, typeof web.MessageEvent, typeof web.WebSocketError, ws.binaryType];
  ws.onopen = () => ws.send('round trip');
  ws.onmessage = (event) => { log.push(event.data); ws.close(1000, 'done'); };
  ws.onclose = (event) => { log.push(event.code, event.wasClean); console.log(JSON.stringify(log)); wss.close(); };
});
`;

function run(args: string[]): unknown {
  return JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 15_000 }));
}

const expected = ['function', 'function', 'function', 'function', 'blob', 'round trip', 1000, true];

describe('the built ws6455/web entry', () => {
  it("require('ws6455/web') works", () => {
    expect(run(['-e', script("const web = require('ws6455/web');")])).toEqual(expected);
  });
  it("import from 'ws6455/web' works", () => {
    const load = "import * as web from 'ws6455/web'; import { createRequire } from 'node:module'; const require = createRequire(import.meta.url + '/');";
    expect(run(['--input-type=module', '-e', script(load)])).toEqual(expected);
  });
  it('declares types for both entries', () => {
    const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
    const entry = manifest.exports['./web'];
    for (const types of [entry.import.types, entry.require.types]) {
      const declarations = readFileSync(`${root}${types}`, 'utf8');
      expect(declarations).toContain('WebSocket');
      expect(declarations).toContain('WebSocketStream');
    }
    expect(existsSync(`${root}${entry.require.default}`)).toBe(true);
  });
});
