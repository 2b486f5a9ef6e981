// Interop with a real browser: headless Chromium loads a page from a small HTTP server, and that
// page's WebSocket talks to a ws6455 WebSocketServer attached to the same server. Chromium's
// network stack is the peer most users meet; it always offers permessage-deflate.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from 'ws';
import { launchChromium } from './support/browser.js';
import { closeHttpServer, listenOnFreePort, nextEvent } from './support/events.js';
import { chromium, describeWith } from './support/external-programs.js';
import { ws6455 } from './support/implementation.js';
import { collect, expectMessage } from './support/messages.js';

const page = readFileSync(new URL('./browser/interop-page.html', import.meta.url));

/** The bytes the page's `pattern(length)` produces, computed the same way here. */
function pattern(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) bytes[i] = (i * 31 + 7) & 255;
  return bytes;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface Site {
  readonly http: Server;
  readonly wss: WebSocketServer;
  readonly origin: string;
}

describeWith([chromium], 'headless Chromium against the ws6455 server', () => {
  let browser: Browser;
  let tab: Page;
  let site: Site | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    // One tab for the whole suite: opening a tab costs seconds on a loaded machine, while
    // navigating it to each test's site is cheap and drops the previous page's socket.
    tab = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await tab.goto('about:blank');
    if (site) {
      site.wss.clients.forEach((client) => client.terminate());
      await new Promise<void>((resolve) => site!.wss.close(() => resolve()));
      await closeHttpServer(site.http);
      site = undefined;
    }
  });

  /** Serves the probe page and a ws6455 server on one port, then opens the page. */
  async function openSite(perMessageDeflate: boolean): Promise<Site> {
    const http = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    });
    const wss = new ws6455.WebSocketServer({ server: http, perMessageDeflate });
    const port = await listenOnFreePort(http);
    site = { http, wss, origin: `http://127.0.0.1:${port}` };
    await tab.goto(`${site.origin}/`);
    return site;
  }

  /** Opens the page's socket and waits for both ends; returns the server's side of it. */
  async function connectProbe(binaryType?: 'blob' | 'arraybuffer'): Promise<{ serverSide: WebSocket; open: Record<string, unknown> }> {
    const accepted = nextEvent(site!.wss, 'connection');
    await tab.evaluate(([url, type]) => (globalThis as any).wsProbe.open(url, type), [
      `${site!.origin.replace('http', 'ws')}/socket`,
      binaryType,
    ] as const);
    const open = await probeNext();
    expect(open.type).toBe('open');
    const [serverSide] = (await accepted) as [WebSocket];
    return { serverSide, open };
  }

  function probeNext(): Promise<Record<string, unknown>> {
    return tab.evaluate(() => (globalThis as any).wsProbe.next());
  }

  function probe(method: string, ...args: unknown[]): Promise<unknown> {
    return tab.evaluate(([name, values]) => (globalThis as any).wsProbe[name as string](...(values as unknown[])), [
      method,
      args,
    ] as const);
  }

  it("negotiates permessage-deflate when the server enables it: both sides' extensions say so", async () => {
    await openSite(true);
    const { serverSide, open } = await connectProbe();
    expect(open.extensions).toMatch(/^permessage-deflate/);
    expect(serverSide.extensions).toBe('permessage-deflate');
  });

  it('connects without extensions when the server has permessage-deflate off', async () => {
    await openSite(false);
    const { serverSide, open } = await connectProbe();
    expect(open.extensions).toBe('');
    expect(serverSide.extensions).toBe('');
  });

  for (const deflate of [true, false]) {
    const mode = deflate ? 'with permessage-deflate' : 'without permessage-deflate';

    it(`${mode}: text both ways, UTF-8 intact`, async () => {
      await openSite(deflate);
      const { serverSide } = await connectProbe();
      const inbox = collect(serverSide);
      await probe('sendText', 'grüße aus Chromium 🌐');
      expectMessage(await inbox.next(), Buffer.from('grüße aus Chromium 🌐'), false);
      serverSide.send('antwort vom Server ✓');
      expect(await probeNext()).toEqual({ type: 'message', kind: 'text', text: 'antwort vom Server ✓' });
    });

    it(`${mode}: ArrayBuffer and typed array from the page arrive as binary; binaryType arraybuffer receives ArrayBuffer`, async () => {
      await openSite(deflate);
      const { serverSide } = await connectProbe('arraybuffer');
      const inbox = collect(serverSide);
      await probe('sendArrayBuffer', [0, 1, 2, 127, 128, 255]);
      expectMessage(await inbox.next(), Buffer.from([0, 1, 2, 127, 128, 255]), true);
      await probe('sendTypedArray', [9, 8, 7]);
      expectMessage(await inbox.next(), Buffer.from([9, 8, 7]), true);
      const bytes = Buffer.from([255, 0, 254, 1]);
      serverSide.send(bytes);
      expect(await probeNext()).toEqual({
        type: 'message', kind: 'arraybuffer', length: 4, head: [255, 0, 254, 1], sha256: sha256(bytes),
      });
    });

    it(`${mode}: a Blob from the page arrives as binary; the default binaryType receives a Blob`, async () => {
      await openSite(deflate);
      const { serverSide } = await connectProbe();
      const inbox = collect(serverSide);
      await probe('sendBlob', [10, 20, 30, 40]);
      expectMessage(await inbox.next(), Buffer.from([10, 20, 30, 40]), true);
      const bytes = Buffer.from('blob payload');
      serverSide.send(bytes, { binary: true });
      expect(await probeNext()).toEqual({
        type: 'message', kind: 'blob', length: bytes.length, head: [...bytes.subarray(0, 8)], sha256: sha256(bytes),
      });
    });

    it(`${mode}: a 1 MiB binary message crosses intact in each direction`, async () => {
      await openSite(deflate);
      const { serverSide } = await connectProbe('arraybuffer');
      const inbox = collect(serverSide);
      const mebibyte = pattern(1 << 20);
      await probe('sendPattern', 1 << 20);
      expectMessage(await inbox.next(10_000), mebibyte, true);
      serverSide.send(mebibyte);
      expect(await tab.evaluate(() => (globalThis as any).wsProbe.next(10_000))).toEqual({
        type: 'message', kind: 'arraybuffer', length: 1 << 20, head: [...mebibyte.subarray(0, 8)], sha256: sha256(mebibyte),
      });
    });

    it(`${mode}: the page's close(4000, reason) is seen by the server, and the page's close is clean`, async () => {
      await openSite(deflate);
      const { serverSide } = await connectProbe();
      const inbox = collect(serverSide);
      await probe('close', 4000, 'chromium says bye');
      expect(await inbox.closed()).toEqual({ code: 4000, reason: 'chromium says bye' });
      expect(await probeNext()).toEqual({ type: 'close', code: 4000, reason: 'chromium says bye', wasClean: true });
    });

    it(`${mode}: the server's close(4001, reason) reaches the page as a clean close with that code and reason`, async () => {
      await openSite(deflate);
      const { serverSide } = await connectProbe();
      const inbox = collect(serverSide);
      serverSide.close(4001, 'server says bye ✓');
      expect(await probeNext()).toEqual({ type: 'close', code: 4001, reason: 'server says bye ✓', wasClean: true });
      expect(await inbox.closed()).toEqual({ code: 4001, reason: 'server says bye ✓' });
    });
  }
});
