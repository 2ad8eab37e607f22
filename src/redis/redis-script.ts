import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { z } from 'zod';

/** A Lua script run atomically by Redis: sent by SHA, and in full only when Redis does not know it yet. */
export interface RedisScript<T> {
  run(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<T>;
}

/** `reply` parses what the script returns (Redis replies are input like any other). */
export function defineRedisScript<T>(lua: string, reply: z.ZodType<T>): RedisScript<T> {
  const sha = createHash('sha1').update(lua).digest('hex');
  return {
    async run(client, keys, args) {
      let result: unknown;
      try {
        result = await client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        result = await client.eval(lua, keys.length, ...keys, ...args);
      }
      return reply.parse(result);
    },
  };
}
