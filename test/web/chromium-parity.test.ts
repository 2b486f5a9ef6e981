// Side by side: test/web/parity/transcript.js runs in headless Chromium (native WebSocket and
// WebSocketStream) and in Node (ws6455/web) against the same local server, and both must write
// the same transcript of events, attributes and exceptions. The page gives Chromium its base URL;
// setBaseURL() gives Node the same one.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { launchChromium } from '../interop/support/browser.js';
import { chromium, describeWith } from '../interop/support/external-programs.js';
import { CloseEvent, WebSocket, WebSocketStream, setBaseURL } from '../../src/web/index.js';

/**
 * Where Chromium departs from the standard and the web-platform-tests, ws6455/web follows the
 * standard: Chromium's URL parser accepts a space in a host, and Chromium compares repeated
 * subprotocols case-sensitively (WPT Create-protocols-repeated-case-insensitive expects a SyntaxError).
 */
const STANDARD_OVER_CHROMIUM: Record<string, string> = {
  'url ws://foo bar.com/': 'DOMException SyntaxError',
  'protocols repeated, other case': 'DOMException SyntaxError',
};

const source = readFileSync(new URL('./parity/transcript.js', import.meta.url), 'utf8');

interface Site {
  http: Server;
  wss: WebSocketServer;
  origin: string;
  port: number;
}

/** A page at / and, on the same port, a `ws` echo server obeying the script's text commands. */
async function startSite(): Promise<Site> {
  const http = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>parity</title>'));
  const wss = new WebSocketServer({
    server: http,
    perMessageDeflate: true,
    verifyClient: (info: { req: { url?: string } }) => info.req.url !== '/refuse', // answered with 401
    handleProtocols: (protocols) => (protocols.has('echo') ? 'echo' : false),
  });
  wss.on('connection', (peer) => {
    peer.on('error', () => {});
    peer.on('message', (data, isBinary) => {
      const text = isBinary ? '' : String(data);
      if (text.startsWith('close ')) {
        const [, code, ...reason] = text.split(' ');
        peer.close(Number(code), reason.join(' '));
      } else if (text === 'drop') {
        peer.terminate();
      } else {
        peer.send(data, { binary: isBinary });
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as { port: number }).port;
  return { http, wss, port, origin: `http://127.0.0.1:${port}` };
}

/** A port where nothing listens (a listener opened and closed again). */
async function closedPort(): Promise<number> {
  const listener = createNetServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as { port: number }).port;
  await new Promise((resolve) => listener.close(resolve));
  return port;
}

describeWith([chromium], 'the same script in headless Chromium and in Node (ws6455/web)', () => {
  let browser: Browser;
  let site: Site;
  let args: { base: string; httpBase: string; closedPort: number };

  beforeAll(async () => {
    [browser, site] = await Promise.all([launchChromium(), startSite()]);
    args = { base: `ws://127.0.0.1:${site.port}`, httpBase: site.origin, closedPort: await closedPort() };
  });
  afterAll(async () => {
    await browser?.close();
    setBaseURL(undefined);
    site?.wss.clients.forEach((client) => client.terminate());
    site?.wss.close();
    await new Promise((resolve) => site?.http.close(resolve));
  });

  it('produces the same transcript of events, attributes and exceptions', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.origin}/`);
    const inChromium = await page.evaluate(`(${source})(globalThis, ${JSON.stringify(args)})`);
    await page.close();

    setBaseURL(`${site.origin}/`);
    const script = (0, eval)(`(${source})`) as (env: unknown, args: unknown) => Promise<unknown>;
    const inNode = await script({ WebSocket, WebSocketStream, CloseEvent }, args);

    const chromiumEntries = inChromium as unknown[][];
    if (process.env.PARITY_DUMP) console.log(JSON.stringify(chromiumEntries));
    const nodeEntries = inNode as unknown[][];
    expect(chromiumEntries.length).toBeGreaterThan(60);
    expect(nodeEntries.map((entry) => entry[0])).toEqual(chromiumEntries.map((entry) => entry[0]));
    for (const [index, entry] of nodeEntries.entries()) {
      const label = entry[0] as string;
      if (label in STANDARD_OVER_CHROMIUM) expect(entry).toEqual([label, STANDARD_OVER_CHROMIUM[label]]);
      else expect(entry).toEqual(chromiumEntries[index]);
    }
  });
});
