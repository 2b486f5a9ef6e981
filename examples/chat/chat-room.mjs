// The chat's rules, shared by the one-process demo (server.mjs) and the multi-process one
// (../cluster/worker.mjs): who is online, the recent history, and what each message becomes.
//
// A page connects with `?name=<name>` and is then a member: it gets the history on join, presence
// updates ({"type":"presence","online":[...]}) and its chat lines carry its name and a timestamp.
// A client without a name (a script, a test) keeps the plain protocol: greeting, then
// `客户端说: <text>` for every text message.
//
// Where presence and history live is the store's business: in memory for one process
// (memoryStore), in Redis for several (../cluster/redis-store.mjs). Presence and chat lines reach
// every node's members through wss.publish / wss.broadcast, so an adapter carries them across.
import { GREETING, broadcastFor } from './chat-message.mjs';

const MEMBERS_TOPIC = 'chat:members';
const MAX_NAME = 32;
export const HISTORY_LENGTH = 50;

/** One process: presence and history in memory. */
export function memoryStore() {
  const online = new Map();
  const history = [];
  return {
    async join(id, name) {
      online.set(id, name);
    },
    async leave(id) {
      online.delete(id);
    },
    async online() {
      return [...online.values()].sort();
    },
    async remember(line) {
      history.push(line);
      if (history.length > HISTORY_LENGTH) history.shift();
    },
    async history() {
      return [...history];
    },
  };
}

/** The member name a request asks for, or undefined (plain client). */
export function nameFrom(url) {
  const name = new URL(url ?? '/', 'http://localhost').searchParams.get('name')?.trim();
  return name ? name.slice(0, MAX_NAME) : undefined;
}

/**
 * Wires the chat onto `wss`. `report(error)` hears store failures (a chat must outlive its store).
 * @returns {(ws: import('ws6455').WebSocket, req: import('node:http').IncomingMessage) => void} the 'connection' handler
 */
export function chatRoom(wss, store, report = (error) => console.error('chat store:', error.message)) {
  let nextId = 0;
  const announcePresence = async () => {
    try {
      wss.publish(MEMBERS_TOPIC, JSON.stringify({ type: 'presence', online: await store.online() }));
    } catch (error) {
      report(error);
    }
  };

  return function onConnection(ws, req) {
    const id = `${process.pid}:${++nextId}`;
    const name = nameFrom(req.url);
    ws.send(GREETING);
    if (name !== undefined) void join(ws, id, name);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        // The chat speaks text only: 1003 is the close code for data of a kind not accepted (RFC 6455 §7.4.1).
        ws.close(1003, 'text messages only');
        return;
      }
      const text = data.toString();
      const out = broadcastFor(text, name);
      wss.broadcast(out);
      if (out.startsWith('{')) store.remember(out).catch(report);
    });
    ws.on('close', () => {
      if (name !== undefined) store.leave(id).then(announcePresence, report);
    });
    ws.on('error', (error) => console.error('client error:', error.message));
  };

  async function join(ws, id, name) {
    try {
      await store.join(id, name);
      const lines = await store.history();
      ws.send(JSON.stringify({ type: 'history', messages: lines.map((line) => JSON.parse(line)) }));
      ws.subscribe(MEMBERS_TOPIC);
    } catch (error) {
      report(error);
    }
    await announcePresence();
  }
}
