// The code blocks of README.md, and the few rewrites that let them run on a test machine: a fixed
// port (8080) becomes a free one, and a URL to a remote host becomes the test's local server.
// Nothing else of a block is changed: a block that does not compile or run as written is a README
// bug, fixed in the README.

export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: 'js' | 'mjs' | 'ts';
  readonly code: string;
}

const RUNNABLE = new Set(['js', 'mjs', 'ts']);

/** Every ```js, ```mjs and ```ts block, in order. */
export function extractBlocks(markdown: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (open === null) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    if (RUNNABLE.has(open[1])) {
      blocks.push({ line: start + 1, lang: open[1] as ReadmeBlock['lang'], code: lines.slice(start + 1, end).join('\n') });
    }
    i = end;
  }
  return blocks;
}

export interface Rewritten {
  readonly code: string;
  /** The free ports that replaced fixed ones: a block that listens on one can be probed there. */
  readonly ports: number[];
  /** Whether a URL to a remote host now points at the local server. */
  readonly usesLocalServer: boolean;
}

/**
 * `port: 8080`, `:8080` in URLs and `PORT` defaults become free ports (one per distinct fixed
 * port); `ws://host/...` and `wss://host/...` for any host but localhost and 127.0.0.1 become
 * `ws://127.0.0.1:<localPort>/...`.
 */
export function rewriteBlock(code: string, freePorts: () => number, localPort: number): Rewritten {
  const mapping = new Map<string, number>();
  const portFor = (fixed: string): number => {
    let port = mapping.get(fixed);
    if (port === undefined) {
      port = freePorts();
      mapping.set(fixed, port);
    }
    return port;
  };
  let usesLocalServer = false;
  let rewritten = code.replace(/\bwss?:\/\/([^/'"`\s:]+)(:\d+)?(\/[^'"`\s]*)?/g, (url, host: string, _port, path: string | undefined) => {
    if (host === 'localhost' || host === '127.0.0.1') return url;
    usesLocalServer = true;
    return `ws://127.0.0.1:${localPort}${path ?? '/'}`;
  });
  rewritten = rewritten.replace(/\b(port:\s*)([1-9]\d{1,4})\b/g, (_match, prefix: string, fixed: string) => `${prefix}${portFor(fixed)}`);
  rewritten = rewritten.replace(/(\/\/(?:localhost|127\.0\.0\.1)):([1-9]\d{1,4})\b/g, (_match, host: string, fixed: string) => `${host}:${portFor(fixed)}`);
  rewritten = rewritten.replace(/(\.listen\()([1-9]\d{1,4})\b/g, (_match, call: string, fixed: string) => `${call}${portFor(fixed)}`);
  return { code: rewritten, ports: [...mapping.values()], usesLocalServer };
}
