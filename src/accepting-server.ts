// A server-side socket knows nothing of the server that accepted it: the server records itself
// here, keyed by the socket, and the socket's face looks it up for what only a server can do
// (tracking in `clients`, topics). One WeakMap entry per socket, no field on every WebSocket.

/** What the WebSocket face may ask of the server that accepted it. */
export interface AcceptingServer<S extends object> {
  /** The socket is about to emit 'close': drop it from `clients` and its topics first (ws users expect `clients` to no longer hold it then). */
  forget(socket: S): void;
  subscribe(socket: S, topic: string): boolean;
  unsubscribe(socket: S, topic: string): boolean;
  isSubscribed(socket: S, topic: string): boolean;
  topicsOf(socket: S): ReadonlySet<string>;
}

const acceptedBy = new WeakMap<object, AcceptingServer<object>>();

export function recordAcceptance<S extends object>(socket: S, server: AcceptingServer<S>): void {
  acceptedBy.set(socket, server as unknown as AcceptingServer<object>);
}

export function acceptingServerOf<S extends object>(socket: S): AcceptingServer<S> | undefined {
  return acceptedBy.get(socket) as AcceptingServer<S> | undefined;
}
