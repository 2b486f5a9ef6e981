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

interface TopicsHost {
  readonly readyState: number;
}

function serverFor<S extends TopicsHost>(socket: S): AcceptingServer<S> {
  const server = acceptingServerOf(socket);
  if (server === undefined) throw new Error('Topics are available on server-side sockets only');
  if (socket.readyState === 3) throw new Error('The socket is closed');
  return server;
}

/** The topics API of a server-side socket (ws6455 addition), on the WebSocket's prototype. */
export function installTopicsApi(prototype: TopicsHost): void {
  const methods = {
    subscribe(this: TopicsHost, topic: string): boolean {
      return serverFor(this).subscribe(this, topic);
    },
    unsubscribe(this: TopicsHost, topic: string): boolean {
      return serverFor(this).unsubscribe(this, topic);
    },
    isSubscribed(this: TopicsHost, topic: string): boolean {
      return acceptingServerOf(this)?.isSubscribed(this, topic) ?? false;
    },
  };
  for (const [name, value] of Object.entries(methods)) {
    Object.defineProperty(prototype, name, { value, writable: true, configurable: true });
  }
  Object.defineProperty(prototype, 'topics', {
    configurable: true,
    get(this: TopicsHost): ReadonlySet<string> {
      return acceptingServerOf(this)?.topicsOf(this) ?? new Set();
    },
  });
}
