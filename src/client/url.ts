// The client's URL rules (ws's and the WHATWG standard's): which schemes, where to dial, the
// request path and Host header, ws+unix: socket paths, and what a redirect may carry along.

import { isToken } from '../handshake/tokens.js';
import type { HandshakeOptions } from './client-options.js';

export interface Target {
  secure: boolean;
  host: string;
  port: number;
  socketPath: string | undefined;
  path: string;
  hostHeader: string;
  url: URL;
}

export function parseTarget(address: string | URL): Target {
  let url: URL;
  try {
    url = address instanceof URL ? address : new URL(address);
  } catch {
    throw new SyntaxError(`Invalid URL: ${String(address)}`);
  }
  if (url.protocol === 'http:') url = new URL(`ws:${url.href.slice(5)}`);
  else if (url.protocol === 'https:') url = new URL(`wss:${url.href.slice(6)}`);
  const unix = url.protocol === 'ws+unix:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:' && !unix) {
    throw new SyntaxError('The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"');
  }
  if (url.hash) throw new SyntaxError('The URL contains a fragment identifier');
  if (unix && !url.pathname) throw new SyntaxError("The URL's pathname is empty");
  const secure = url.protocol === 'wss:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (unix) {
    // ws+unix:///path/to.sock:/request/path — the socket path, then the request path after ':'.
    const [socketPath, requestPath] = splitUnixPath(url.pathname + url.search);
    return { secure: false, host: 'localhost', port: 0, socketPath, path: requestPath, hostHeader: 'localhost', url };
  }
  const defaultPort = secure ? 443 : 80;
  const hostHeader = url.port && port !== defaultPort ? `${url.hostname}:${port}` : url.hostname;
  return { secure, host, port, socketPath: undefined, path: (url.pathname || '/') + url.search, hostHeader, url };
}

function splitUnixPath(pathname: string): [string, string] {
  const colon = pathname.indexOf(':');
  if (colon === -1) return [pathname, '/'];
  return [pathname.slice(0, colon), pathname.slice(colon + 1) || '/'];
}

export function validateProtocols(protocols: string[]): void {
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (typeof protocol !== 'string' || !isToken(protocol) || seen.has(protocol)) {
      throw new SyntaxError('An invalid or duplicated subprotocol was specified');
    }
    seen.add(protocol);
  }
}

/** Credentials must not travel to another host on a redirect, nor from wss: down to ws:. */
export function sameOriginOptions(options: HandshakeOptions, from: Target, to: Target): HandshakeOptions {
  const downgrade = from.secure && !to.secure;
  if ((from.url.host === to.url.host && !downgrade) || options.headers === undefined) return options;
  const headers: Record<string, string | string[] | number> = {};
  for (const [name, value] of Object.entries(options.headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization' && lower !== 'cookie' && lower !== 'host') headers[name] = value;
  }
  return { ...options, headers };
}
