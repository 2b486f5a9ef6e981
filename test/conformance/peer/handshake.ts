// The opening handshake from both sides (RFC 6455 §4), kept minimal: the peer's job is to reach
// the framing layer, the handshake has its own tests elsewhere.
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + ACCEPT_GUID).digest('base64');
}

export interface HttpHead {
  /** Request line or status line. */
  startLine: string;
  /** Lower-cased header names; repeated headers joined with ', '. */
  headers: Map<string, string>;
  /** Bytes that followed the blank line: the first frames. */
  rest: Buffer;
}

/** Reads from the socket up to the end of the HTTP head (CRLF CRLF). */
export function readHttpHead(socket: Socket, limit = 16 * 1024): Promise<HttpHead> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('connection closed during the handshake'));
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffered.length > limit) onError(new Error('HTTP head too large'));
        return;
      }
      cleanup();
      socket.pause();
      const lines = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
      }
      resolve({ startLine: lines[0], headers, rest: buffered.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

export interface ExtensionOffer {
  name: string;
  params: Map<string, string | true>;
}

/** Parses a Sec-WebSocket-Extensions value (RFC 6455 §9.1) into its offers, in order. */
export function parseExtensions(header: string | undefined): ExtensionOffer[] {
  if (header === undefined || header.trim() === '') return [];
  return header.split(',').map((offer) => {
    const [name, ...params] = offer.split(';').map((part) => part.trim());
    const map = new Map<string, string | true>();
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq === -1) map.set(param.toLowerCase(), true);
      else map.set(param.slice(0, eq).trim().toLowerCase(), param.slice(eq + 1).trim().replace(/^"|"$/g, ''));
    }
    return { name: name.toLowerCase(), params: map };
  });
}

export function formatExtension(offer: ExtensionOffer): string {
  const params = [...offer.params].map(([key, value]) => (value === true ? key : `${key}=${value}`));
  return [offer.name, ...params].join('; ');
}

export function clientRequest(host: string, path: string, extensions?: string): { text: string; key: string } {
  const key = randomBytes(16).toString('base64');
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (extensions !== undefined) lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
  return { text: `${lines.join('\r\n')}\r\n\r\n`, key };
}

export function serverResponse(key: string, extensions?: string): string {
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(key)}`,
  ];
  if (extensions !== undefined) lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}
