// Presence and history for the chat (../chat/chat-room.mjs) in Redis, shared by every node:
//   <prefix>:nodes              set of node ids that have members
//   <prefix>:presence:<node>    hash connection id -> name, expiring unless the node refreshes it,
//                               so the members of a node that crashed disappear by themselves
//   <prefix>:history            list of the last chat lines (JSON), newest first
import { randomBytes } from 'node:crypto';
import { HISTORY_LENGTH } from '../chat/chat-room.mjs';

const PRESENCE_TTL_MS = 30_000;

/** @param {import('redis').RedisClientType} redis a connected node-redis client */
export function redisStore(redis, prefix = 'ws6455:chat') {
  const node = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const presenceKey = `${prefix}:presence:${node}`;
  const refresh = setInterval(() => {
    redis.pExpire(presenceKey, PRESENCE_TTL_MS).catch(() => {});
  }, PRESENCE_TTL_MS / 3);
  refresh.unref();
  return {
    async join(id, name) {
      await redis.multi().hSet(presenceKey, id, name).pExpire(presenceKey, PRESENCE_TTL_MS).sAdd(`${prefix}:nodes`, node).exec();
    },
    async leave(id) {
      await redis.hDel(presenceKey, id);
    },
    async online() {
      const names = new Set();
      for (const other of await redis.sMembers(`${prefix}:nodes`)) {
        const members = await redis.hVals(`${prefix}:presence:${other}`);
        if (members.length === 0) await redis.sRem(`${prefix}:nodes`, other);
        for (const name of members) names.add(name);
      }
      return [...names].sort();
    },
    async remember(line) {
      await redis.multi().lPush(`${prefix}:history`, line).lTrim(`${prefix}:history`, 0, HISTORY_LENGTH - 1).exec();
    },
    async history() {
      return (await redis.lRange(`${prefix}:history`, 0, HISTORY_LENGTH - 1)).reverse();
    },
    /** This node's members leave at once (a clean shutdown), instead of expiring. */
    async close() {
      clearInterval(refresh);
      await redis.del(presenceKey).catch(() => {});
    },
  };
}
