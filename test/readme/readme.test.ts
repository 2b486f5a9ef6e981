// Deliverable 3 of issue 11: every ```js, ```mjs and ```ts block of README.md compiles under strict
// TypeScript (as a user's .mts file would, with `ws6455` resolving to the built package) and runs.
// A block runs as a child process with a time limit. It passes when it exits by itself with code 0,
// or, for a block that keeps running (a server, a client), once it has shown that it works: a
// WebSocket client completed a handshake with the port it listens on (or got its HTTP answer), or
// it connected to the local server its remote URLs were pointed at. It is then stopped. Fixed ports
// become free ones (readme-blocks.ts); a block that needs Redis gets a throwaway redis-server.
// For README authors: a block is a complete module (its imports, no undeclared names); use a fixed
// port (8080) rather than `wss.address().port`, which is `AddressInfo | string | null` under strict.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as ReferenceClient, WebSocketServer as ReferenceServer } from 'ws';
import { createFixtureProject, repoRoot, strictOptions, typeCheck, type FixtureProject } from '../types/fixture-project.js';
import { extractBlocks, rewriteBlock, type ReadmeBlock, type Rewritten } from './readme-blocks.js';
import { RedisServer } from '../scaleout/helpers/redis-server.js';

const README = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const blocks = extractBlocks(README);
const RUN_LIMIT_MS = 10_000;
const REDIS_PROGRAM = '/usr/bin/redis-server';

interface Prepared {
  readonly block: ReadmeBlock;
  readonly rewritten: Rewritten;
  readonly file: string;
  readonly needsRedis: boolean;
}

let project: FixtureProject;
let prepared: Prepared[] = [];
let diagnostics: string[] = [];
/** The local server that remote URLs of the blocks point at: an echo server, counting connections. */
let localServer: ReferenceServer;
let localConnections = 0;
let redis: RedisServer | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Packages a block imports besides ws6455 (e.g. redis) resolve from the repository's node_modules. */
function linkImportedPackages(code: string): void {
  for (const match of code.matchAll(/from\s+'([^'.][^']*)'/g)) {
    const specifier = match[1];
    if (specifier.startsWith('node:') || specifier.startsWith('ws6455')) continue;
    const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
    const link = join(project.dir, 'node_modules', name);
    if (existsSync(link) || !existsSync(join(repoRoot, 'node_modules', name))) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules', name), link, 'dir');
  }
}

beforeAll(async () => {
  project = createFixtureProject();
  localServer = new ReferenceServer({ host: '127.0.0.1', port: 0 });
  await once(localServer, 'listening');
  localServer.on('connection', (socket) => {
    localConnections++;
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  const localPort = (localServer.address() as AddressInfo).port;
  const ports: number[] = [];
  for (let i = 0; i < 4 * blocks.length; i++) ports.push(await freePort());
  prepared = blocks.map((block, index) => {
    const rewritten = rewriteBlock(block.code, () => ports.shift()!, localPort);
    linkImportedPackages(rewritten.code);
    // Each block is a module of its own (a block without import would otherwise be a script
    // sharing one global scope with the others in the program).
    const file = project.write(`block-${index + 1}-line-${block.line}.mts`, `${rewritten.code}\nexport {};\n`);
    return { block, rewritten, file, needsRedis: /\bredis\b/i.test(block.code) && /REDIS_URL/.test(block.code) };
  });
  // One program for all blocks: the declarations of dist/ are checked by test/types.
  diagnostics = typeCheck(
    prepared.map((entry) => entry.file),
    { ...strictOptions, skipLibCheck: true, typeRoots: [join(project.dir, 'node_modules', '@types')] },
  );
  if (prepared.some((entry) => entry.needsRedis) && existsSync(REDIS_PROGRAM)) redis = await RedisServer.launch(REDIS_PROGRAM);
}, 120_000);

afterAll(async () => {
  await redis?.dispose();
  for (const client of localServer?.clients ?? []) client.terminate();
  await new Promise((resolve) => localServer?.close(resolve));
  project?.remove();
});

/** Connects to a port a block listens on; resolves with what happened ('open' or 'HTTP <status>'), or null. */
function probe(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const client = new ReferenceClient(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 2000 });
    client.on('open', () => {
      client.terminate();
      resolve('open');
    });
    client.on('unexpected-response', (_request, response) => {
      resolve(`HTTP ${response.statusCode}`);
      response.resume();
      client.terminate();
    });
    client.on('error', () => resolve(null));
  });
}

interface RunResult {
  readonly outcome: string;
  readonly output: string;
}

async function runBlock(entry: Prepared): Promise<RunResult> {
  const { outputText: code } = ts.transpileModule(readFileSync(entry.file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: entry.file,
  });
  const script = project.write(entry.file.replace(/^.*\//, '').replace(/\.mts$/, '.mjs'), code);
  const child: ChildProcess = spawn(process.execPath, [script], {
    cwd: project.dir,
    env: { ...process.env, REDIS_URL: redis?.url ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }));
  let exit: { code: number | null; signal: string | null } | null = null;
  void exited.then((value) => (exit = value));
  const connectionsBefore = localConnections;
  const deadline = Date.now() + RUN_LIMIT_MS;
  let evidence: string | null = null;
  while (exit === null && evidence === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const port of entry.rewritten.ports) {
      const answer = await probe(port);
      if (answer !== null) evidence = `port ${port} answered: ${answer}`;
    }
    if (localConnections > connectionsBefore) evidence = 'connected to the local server';
  }
  if (evidence !== null && exit === null) {
    // Shown to work: give an immediate crash a moment to surface, then stop it.
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 300))]);
    if (exit === null) {
      child.kill('SIGKILL');
      await exited;
      return { outcome: `works (${evidence}), stopped`, output };
    }
  }
  if (exit === null) {
    child.kill('SIGKILL');
    await exited;
    return { outcome: `neither ended nor showed it works within ${RUN_LIMIT_MS} ms`, output };
  }
  const ended = exit as { code: number | null; signal: string | null };
  return { outcome: ended.code === 0 ? 'ended with code 0' : `exited with code ${ended.code} (${ended.signal ?? 'no signal'})`, output };
}

describe('README code blocks', () => {
  it('README.md has runnable blocks to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  for (const [index, block] of blocks.entries()) {
    const title = `block ${index + 1} (line ${block.line}, \`\`\`${block.lang})`;
    it(`${title} compiles under strict`, () => {
      const file = prepared[index].file;
      expect(diagnostics.filter((line) => line.includes(file.replace(/^.*\//, '')))).toEqual([]);
    });

    it(`${title} runs`, async (context) => {
      const entry = prepared[index];
      if (entry.needsRedis && redis === undefined) {
        const why = `redis-server not found; install with: apt-get install redis-server`;
        if (process.env.CI === 'true') throw new Error(`${why} (required under CI)`);
        console.warn(`[skipped] README ${title}: ${why}`);
        context.skip();
      }
      const result = await runBlock(entry);
      expect(result.outcome, result.output).toMatch(/^(ended with code 0|works \()/);
    });
  }
});
