// The client half of session resume (see src/server/session-resume.ts for the protocol): remember
// the session id the server gave, count the messages received on it, and present both when
// reconnecting. Kept apart from ReconnectingWebSocket, which only asks for headers and reports.

const SESSION_HEADER = 'ws6455-session';
const OFFSET_HEADER = 'ws6455-offset';
const RESUME_HEADER = 'ws6455-resume';

/** What the 101 response said about the session. */
export type SessionOutcome =
  /** No session support on the server (no session header). */
  | { kind: 'none' }
  /** A new session (first connection, or the client had none). */
  | { kind: 'new'; sessionId: string }
  /** The previous session goes on: the messages after `offset` follow. */
  | { kind: 'resumed'; sessionId: string; offset: number }
  /** The previous session could not be resumed (expired, over the server's limits, unknown): a new one starts. */
  | { kind: 'lost'; sessionId: string; previous: string; offset: number };

export class ClientSession {
  private sessionIdValue: string | undefined;
  private offsetValue = 0;

  get sessionId(): string | undefined {
    return this.sessionIdValue;
  }

  /** Messages received in the current session. */
  get offset(): number {
    return this.offsetValue;
  }

  /** Request headers for the next connection. */
  headers(): Record<string, string> {
    if (this.sessionIdValue === undefined) return {};
    return { [SESSION_HEADER]: this.sessionIdValue, [OFFSET_HEADER]: String(this.offsetValue) };
  }

  /** Reads the 101 response of a new connection. */
  onResponse(headers: Record<string, string | string[] | undefined>): SessionOutcome {
    const sessionId = single(headers[SESSION_HEADER]);
    const resume = single(headers[RESUME_HEADER]);
    const previous = this.sessionIdValue;
    const offset = this.offsetValue;
    if (sessionId === undefined) {
      this.sessionIdValue = undefined;
      this.offsetValue = 0;
      return { kind: 'none' };
    }
    this.sessionIdValue = sessionId;
    if (resume === 'ok' && previous === sessionId) return { kind: 'resumed', sessionId, offset };
    this.offsetValue = 0;
    if (previous !== undefined) return { kind: 'lost', sessionId, previous, offset };
    return { kind: 'new', sessionId };
  }

  onMessage(): void {
    this.offsetValue += 1;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
