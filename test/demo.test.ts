// The chat demo (examples/chat), run as `npm start` runs it: a child process on the built
// package. Node clients check the greeting and the broadcast in plain-text and JSON form;
// headless Chromium checks that the page connects, sends, shows the broadcast, and reconnects
// after the server restarts.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { launchChromium } from './interop/support/browser.js';
import { chromium, describeWith } from './interop/support/external-programs.js';
import { collect } from './interop/support/messages.js';

const demoServer = fileURLToPath(new URL('../examples/chat/server.mjs', import.meta.url));
const greeting = '欢迎连接到 WebSocket 服务器!';

interface RunningDemo {
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the demo on `port` (0: any free port) and waits for its "listening" line. */
async function startDemo(port = 0): Promise<RunningDemo> {
  const child = spawn(process.execPath, [demoServer], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const bound = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start within 10 s: ${stderr}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /listening on http:\/\/localhost:(\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return {
    port: bound,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function connectClient(port: number, name?: string): Promise<{ socket: WebSocket; inbox: ReturnType<typeof collect> }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/${name === undefined ? '' : `?name=${encodeURIComponent(name)}`}`);
  const inbox = collect(socket);
  await once(socket, 'open');
  return { socket, inbox };
}

describe('chat demo: greeting and broadcast', () => {
  let demo: RunningDemo;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    demo = await startDemo();
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.terminate();
  });
  afterAll(async () => {
    await demo?.stop();
  });

  async function twoClients() {
    const first = await connectClient(demo.port);
    const second = await connectClient(demo.port);
    sockets.push(first.socket, second.socket);
    return [first, second] as const;
  }

  it('PORT=0 binds a free port and prints it', () => {
    expect(demo.port).toBeGreaterThan(0);
  });

  it('greets every client with the welcome text', async () => {
    const [first, second] = await twoClients();
    for (const client of [first, second]) {
      const message = await client.inbox.next();
      expect(message.isBinary).toBe(false);
      expect(message.data.toString()).toBe(greeting);
    }
  });

  it('broadcasts plain text to every client, sender included, as "客户端说: <message>"', async () => {
    const [first, second] = await twoClients();
    await first.inbox.next();
    await second.inbox.next();
    first.socket.send('hello, 世界');
    for (const client of [first, second]) {
      expect((await client.inbox.next()).data.toString()).toBe('客户端说: hello, 世界');
    }
  });

  it('broadcasts JSON {type, content} as JSON with the content prefixed and a timestamp', async () => {
    const [first, second] = await twoClients();
    await first.inbox.next();
    await second.inbox.next();
    second.socket.send(JSON.stringify({ type: 'chat', content: '你好' }));
    for (const client of [first, second]) {
      const { data, isBinary } = await client.inbox.next();
      expect(isBinary).toBe(false);
      const line = JSON.parse(data.toString());
      expect(line).toEqual({ type: 'chat', content: '客户端说: 你好', time: expect.any(String) });
      expect(Date.parse(line.time)).not.toBeNaN();
    }
  });

  it('members (?name=) get history on join, presence as people come and go, and their name on their lines', async () => {
    const ann = await connectClient(demo.port, 'ann');
    sockets.push(ann.socket);
    expect((await ann.inbox.next()).data.toString()).toBe(greeting);
    const annHistory = JSON.parse((await ann.inbox.next()).data.toString());
    expect(annHistory.type).toBe('history');
    expect(JSON.parse((await ann.inbox.next()).data.toString()).online).toContain('ann');
    ann.socket.send(JSON.stringify({ type: 'chat', content: 'first line' }));
    const line = JSON.parse((await ann.inbox.next()).data.toString());
    expect(line).toMatchObject({ type: 'chat', content: '客户端说: first line', name: 'ann' });

    const bob = await connectClient(demo.port, 'bob');
    sockets.push(bob.socket);
    expect((await bob.inbox.next()).data.toString()).toBe(greeting);
    const history = JSON.parse((await bob.inbox.next()).data.toString());
    expect(history.messages.at(-1)).toEqual(line);
    const presence = JSON.parse((await ann.inbox.next()).data.toString());
    expect(presence.online).toEqual(expect.arrayContaining(['ann', 'bob']));
    bob.socket.close();
    await expect.poll(async () => JSON.parse((await ann.inbox.next()).data.toString()).online.includes('bob')).toBe(false);
  });

  it('treats JSON that is not {type, content} as plain text', async () => {
    const [first] = await twoClients();
    await first.inbox.next();
    first.socket.send('{"content": 42}');
    expect((await first.inbox.next()).data.toString()).toBe('客户端说: {"content": 42}');
  });

  it('closes a client that sends binary with 1003 (unsupported data)', async () => {
    const [first] = await twoClients();
    first.socket.send(Buffer.from([1, 2, 3]));
    expect(await first.inbox.closed()).toEqual({ code: 1003, reason: 'text messages only' });
  });

  it('serves the chat page at / and 404 elsewhere', async () => {
    const page = await fetch(`http://127.0.0.1:${demo.port}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<script>');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // inline only, no CDN
    expect((await fetch(`http://127.0.0.1:${demo.port}/missing`)).status).toBe(404);
  });
});

describeWith([chromium], 'chat demo page in headless Chromium', () => {
  let browser: Browser;
  let tab: Page;
  let demo: RunningDemo | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    tab = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  const items = () => tab.locator('#messages li').allTextContents();

  async function send(text: string, asJson = false): Promise<void> {
    await tab.locator('#as-json').setChecked(asJson);
    await tab.locator('#input').fill(text);
    await tab.locator('#send').click();
  }

  it('connects, sends, shows broadcasts (plain and JSON), and reconnects after a restart', async () => {
    demo = await startDemo();
    const port = demo.port;
    await tab.goto(`http://127.0.0.1:${port}/`);
    await tab.locator('#status[data-state="open"]').waitFor({ timeout: 10_000 });
    await expect.poll(items).toContain(greeting);

    const observer = await connectClient(port);
    await observer.inbox.next(); // its greeting
    await send('来自浏览器的问候');
    await expect.poll(items).toContain('客户端说: 来自浏览器的问候');
    expect((await observer.inbox.next()).data.toString()).toBe('客户端说: 来自浏览器的问候');

    await tab.locator('#name').fill('页面');
    await tab.locator('#name').dispatchEvent('change');
    await tab.locator('#status[data-state="open"]').waitFor({ timeout: 10_000 });
    await expect.poll(() => tab.locator('#online-list').textContent()).toContain('页面');
    await send('structured', true);
    const jsonItem = tab.locator('#messages li[data-kind="json"]').last();
    await expect.poll(() => jsonItem.locator('.content').textContent()).toBe('客户端说: structured');
    expect(await jsonItem.locator('.label').textContent()).toBe('chat');
    expect(await jsonItem.locator('.name').textContent()).toBe('页面');
    expect(await jsonItem.locator('.time').textContent()).not.toBe('');
    let observed = JSON.parse((await observer.inbox.next()).data.toString());
    while (observed.type !== 'chat') observed = JSON.parse((await observer.inbox.next()).data.toString());
    expect(observed).toMatchObject({ type: 'chat', content: '客户端说: structured', name: '页面' });
    observer.socket.terminate();

    const systemLines = () => tab.locator('#messages li[data-kind="system"]').count();
    const before = await systemLines();
    await demo.stop();
    await tab.locator('#status[data-state="reconnecting"]').waitFor({ timeout: 10_000 });
    // Let a few reconnection attempts fail while the server is down.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    demo = await startDemo(port);
    await tab.locator('#status[data-state="open"]').waitFor({ timeout: 15_000 });
    await expect.poll(async () => (await items()).filter((text) => text === greeting).length).toBe(3);
    // One line for the drop; none for the attempts that failed.
    expect(await systemLines()).toBe(before + 1);
    await send('after restart');
    await expect.poll(items).toContain('客户端说: after restart');
  });
});
