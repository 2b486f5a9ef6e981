// Following a 3xx (the followRedirects option): where the next attempt goes and which
// credentials may go along. The attempt itself is started by handshake.ts.

import type { HandshakeHost } from './host.js';
import { urlCredentials, type ClientPlan } from './options.js';
import { parseTarget, sameOriginOptions, type Target } from './url.js';

/** The next attempt's plan; throws ws's SyntaxError for a Location that is not a usable URL. */
export function redirectPlan(ws: HandshakeHost, previous: ClientPlan, location: string): ClientPlan {
  let url: URL;
  try {
    url = new URL(location, previous.target.url);
  } catch {
    throw new SyntaxError(`Invalid URL: ${location}`);
  }
  const target = parseTarget(url);
  const plan: ClientPlan = { ...previous, target, auth: urlCredentials(target.url) ?? previous.auth };
  const crossOrigin = target.url.host !== previous.target.url.host || (previous.target.secure && !target.secure);
  // Credentials must not travel to another host, nor from wss: down to ws:, unless a 'redirect'
  // listener takes that decision itself (as with ws).
  if (!crossOrigin || ws.listenerCount('redirect') > 0) return plan;
  return { ...plan, options: sameOriginOptions(previous.options, previous.target, target), auth: undefined };
}

export function redirectsExhausted(plan: ClientPlan, redirects: number): boolean {
  return redirects >= (plan.options.maxRedirects ?? 10);
}

export type { Target };
