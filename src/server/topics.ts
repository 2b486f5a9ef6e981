// Which sockets are subscribed to which topic, for `ws.subscribe(topic)` and `wss.publish(topic, …)`.
//
// Two indexes are kept in step: topic → sockets (publish walks one set, no scan of all clients)
// and socket → topics (a closing socket drops its subscriptions without a scan of all topics).
// Sets are created on first use and deleted when they empty, so a socket that never subscribes
// costs nothing here and a topic with no subscribers holds no memory.
// Generic over the socket type so this file has no import of websocket.ts and can be unit-tested
// with plain objects.

const noTopics: ReadonlySet<string> = new Set<string>();

export class TopicRegistry<S extends object> {
  private readonly subscribersByTopic = new Map<string, Set<S>>();
  // A WeakMap, so a socket that was never passed to removeSocket (a bug elsewhere) can still be
  // collected; its topic entries are the only thing that would outlive it.
  private readonly topicsBySocket = new WeakMap<S, Set<string>>();

  /** Subscribes `socket` to `topic`. Returns false if it was already subscribed. */
  subscribe(socket: S, topic: string): boolean {
    let topics = this.topicsBySocket.get(socket);
    if (topics === undefined) {
      topics = new Set();
      this.topicsBySocket.set(socket, topics);
    } else if (topics.has(topic)) {
      return false;
    }
    topics.add(topic);
    let subscribers = this.subscribersByTopic.get(topic);
    if (subscribers === undefined) {
      subscribers = new Set();
      this.subscribersByTopic.set(topic, subscribers);
    }
    subscribers.add(socket);
    return true;
  }

  /** Unsubscribes `socket` from `topic`. Returns false if it was not subscribed. */
  unsubscribe(socket: S, topic: string): boolean {
    const topics = this.topicsBySocket.get(socket);
    if (topics === undefined || !topics.delete(topic)) return false;
    if (topics.size === 0) this.topicsBySocket.delete(socket);
    this.removeSubscriber(topic, socket);
    return true;
  }

  isSubscribed(socket: S, topic: string): boolean {
    return this.topicsBySocket.get(socket)?.has(topic) ?? false;
  }

  /** The topics `socket` is subscribed to (a live view: do not keep it across subscribe calls). */
  topicsOf(socket: S): ReadonlySet<string> {
    return this.topicsBySocket.get(socket) ?? noTopics;
  }

  /** The sockets subscribed to `topic`, or undefined when there are none. */
  subscribers(topic: string): ReadonlySet<S> | undefined {
    return this.subscribersByTopic.get(topic);
  }

  /** Drops every subscription of `socket`; called when it closes. */
  removeSocket(socket: S): void {
    const topics = this.topicsBySocket.get(socket);
    if (topics === undefined) return;
    this.topicsBySocket.delete(socket);
    for (const topic of topics) this.removeSubscriber(topic, socket);
  }

  /** Number of topics with at least one subscriber. */
  get topicCount(): number {
    return this.subscribersByTopic.size;
  }

  private removeSubscriber(topic: string, socket: S): void {
    const subscribers = this.subscribersByTopic.get(topic);
    if (subscribers === undefined) return;
    subscribers.delete(socket);
    if (subscribers.size === 0) this.subscribersByTopic.delete(topic);
  }
}
