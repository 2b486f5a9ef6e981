// What the server's hooks (verifyClient, handleProtocols, 'connection') are handed, apart from the
// options that configure them (server-options.ts): so that the session-resume hooks, which the
// options name, can wrap verifyClient without importing the options back.

import type net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** The request handed to 'connection' and the hooks: node's IncomingMessage in every mode. */
export type UpgradeRequest = IncomingMessage & {
  socket: Duplex & Partial<net.Socket> & { encrypted?: boolean; authorized?: boolean };
};

export interface VerifyClientInfo {
  origin: string | undefined;
  secure: boolean;
  req: UpgradeRequest;
}
export type VerifyClientCallback = (verified: boolean, code?: number, message?: string, headers?: Record<string, string | number>) => void;
