// deliverable 2 of issue 11: what @types/ws users write compiles unchanged with ws6455, under
// strict, in ES modules and in CommonJS. The usages are in fixtures/ (the same ground as
// DefinitelyTyped's types/ws tests, written for this project): exact type assertions (`typeIs`)
// and required errors (`@ts-expect-error`, which fails the compilation when no error occurs).
// They are compiled against the built package (dist/, built by the global setup) in a project
// where `ws6455` resolves as it does for an installed package.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureProject, repoRoot, strictOptions, typeCheck, type FixtureProject } from './fixture-project.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const read = (name: string): string => readFileSync(join(fixtures, name), 'utf8');

let project: FixtureProject;
/** One program for both fixtures (a program with lib checking costs seconds): its diagnostics by file. */
let diagnostics: string[];
beforeAll(() => {
  project = createFixtureProject();
  project.write('assert.ts', read('assert.ts'));
  diagnostics = typeCheck([project.write('esm.mts', read('esm.mts')), project.write('cjs.cts', read('cjs.cts'))]);
  // Checking @types/node and dist/ takes seconds of CPU; more when the whole suite runs alongside.
}, 120_000);
afterAll(() => project.remove());

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

describe('TypeScript: ws usages compile unchanged', () => {
  it('ES module: import WebSocket, { WebSocketServer, type RawData } from "ws6455"', () => {
    const source = read('esm.mts');
    // The fixture covers the ground it claims (guards against it being emptied by mistake).
    expect(count(source, /typeIs</g)).toBeGreaterThanOrEqual(90);
    expect(count(source, /@ts-expect-error/g)).toBeGreaterThanOrEqual(25);
    expect(diagnostics.filter((line) => line.includes('esm.mts'))).toEqual([]);
  });

  it('CommonJS: import WebSocket = require("ws6455") against index.d.cts', () => {
    const source = read('cjs.cts');
    expect(count(source, /typeIs</g)).toBeGreaterThanOrEqual(10);
    expect(diagnostics.filter((line) => line.includes('cjs.cts'))).toEqual([]);
  });

  it('CommonJS with the classic resolution ("module": "commonjs", node10): package.json "types"', { timeout: 60_000 }, () => {
    // Kept as .cts in the repository so that the project's own type-check (NodeNext) leaves it out.
    const source = read('node10.cts');
    const options = { ...strictOptions, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, skipLibCheck: true };
    expect(typeCheck([project.write('node10.ts', source)], options)).toEqual([]);
  });

  it('the published declarations themselves (dist/, index.d.cts included) have no errors', () => {
    expect(diagnostics).toEqual([]);
  });

  it('CommonJS: every value the package exports is on require("ws6455") and declared in index.d.cts', () => {
    const require = createRequire(import.meta.url);
    const cjsDir = join(repoRoot, 'dist', 'cjs');
    const values = Object.keys(require(join(cjsDir, 'index.js')) as object).filter((name) => name !== 'default');
    const entry = require(join(cjsDir, 'index.cjs')) as Record<string, unknown>;
    const declarations = readFileSync(join(cjsDir, 'index.d.cts'), 'utf8');
    expect(values).toContain('WebSocketServer');
    for (const name of values) {
      expect(entry[name], name).toBeDefined();
      expect(declarations, name).toMatch(new RegExp(`export (?:import|const|class) ${name}\\b`));
    }
  });

  it('the assertions can fail: a wrong type, an implicit any and a missing error are reported', { timeout: 60_000 }, () => {
    const wrong = project.write(
      'wrong.mts',
      `import WebSocket, { WebSocketServer } from 'ws6455';
import { typeIs } from './assert.js';
const ws = new WebSocket('ws://example.test/');
typeIs<number>()(ws.readyState);
typeIs<any>()(ws.url);
// @ts-expect-error nothing is wrong here
ws.send('fine');
new WebSocketServer({ noServer: true }).on('connection', (socket) => typeIs<string>()(socket));
`,
    );
    const found = typeCheck([wrong], { ...strictOptions, skipLibCheck: true });
    expect(found.map((line) => /wrong\.mts\((\d+),/.exec(line)?.[1])).toEqual(['4', '5', '6', '8']);
  });
});
