// Opening the connection for a handshake: a direct net/tls socket (or the user's
// createConnection), or, when an agent or finishRequest is given, an http.ClientRequest as ws
// makes it, so that agents (proxies, pools) take part exactly as they do with ws.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { HandshakeOptions } from './client-options.js';
import type { Target } from './url.js';
import type { RequestHeaders } from './request-headers.js';

/** Options a socket is opened with: the user's (TLS settings, localAddress…) plus the target. */
function connectOptions(target: Target, options: HandshakeOptions): Record<string, unknown> {
  const result: Record<string, unknown> = { ...options, host: target.host, port: target.port };
  delete result.timeout;
  delete result.agent;
  if (target.socketPath !== undefined) result.path = target.socketPath;
  else delete result.path;
  if (target.secure && result.servername === undefined) result.servername = net.isIP(target.host) ? '' : target.host;
  return result;
}

export function openSocket(target: Target, options: HandshakeOptions): Duplex {
  const settings = connectOptions(target, options);
  if (options.createConnection) return options.createConnection(settings);
  if (target.socketPath !== undefined) return net.connect({ path: target.socketPath });
  return target.secure ? tls.connect(settings as tls.ConnectionOptions) : net.connect(settings as unknown as net.NetConnectOpts);
}

/** Whether this handshake must go through http.request (ws's only path) rather than a direct socket. */
export function needsHttpRequest(options: HandshakeOptions): boolean {
  return (options.agent !== undefined && options.agent !== false) || options.finishRequest !== undefined;
}

export function openRequest(target: Target, options: HandshakeOptions, headers: RequestHeaders, auth: string | undefined): http.ClientRequest {
  const request = target.secure ? https.request : http.request;
  const settings: Record<string, unknown> = {
    ...connectOptions(target, options),
    method: 'GET',
    path: target.path,
    headers: headers.toRequestHeaders(),
    auth,
    agent: options.agent,
    defaultPort: target.secure ? 443 : 80,
  };
  if (target.socketPath !== undefined) settings.socketPath = target.socketPath;
  delete settings.createConnection;
  if (options.createConnection && !options.agent) settings.createConnection = options.createConnection;
  return request(settings as http.RequestOptions);
}
