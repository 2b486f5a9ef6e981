// RFC 6455 §4.1: "there MUST be no more than one connection in a CONNECTING state" to a host and
// port; a further one waits until that one is established or has failed. Keyed by the URL's host
// name and port (the name, not the resolved address: see the README's list of deviations).

interface Ticket {
  readonly key: string;
  readonly start: () => void;
  started: boolean;
}

const lines = new Map<string, Ticket[]>();

/** Queue a connection attempt: `start` runs now if no other is CONNECTING to `key`, else later. */
export function enqueueConnect(key: string, start: () => void): Ticket {
  const ticket: Ticket = { key, start, started: false };
  let line = lines.get(key);
  if (line === undefined) {
    line = [];
    lines.set(key, line);
  }
  line.push(ticket);
  if (line.length === 1) launch(ticket);
  return ticket;
}

/** The attempt opened, failed or was withdrawn before dialing: let the next one go. */
export function releaseConnect(ticket: Ticket): void {
  const line = lines.get(ticket.key);
  if (line === undefined) return;
  const index = line.indexOf(ticket);
  if (index === -1) return;
  line.splice(index, 1);
  if (line.length === 0) {
    lines.delete(ticket.key);
    return;
  }
  if (index === 0) launch(line[0]);
}

function launch(ticket: Ticket): void {
  ticket.started = true;
  ticket.start();
}

export type { Ticket as ConnectTicket };
