import type { KeyRotation } from '../routing/key-rotation.js';
import type { RedisConnection } from './redis-connection.js';
import { redisOrLocal } from './redis-or-local.js';

/** One counter per instance (`INCR`), so the replicas together still take an instance's keys in turn. */
export function createRedisKeyRotation(connection: RedisConnection, local: KeyRotation): KeyRotation {
  return {
    next: (instanceId) =>
      redisOrLocal(
        connection,
        'key_rotation',
        async () => (await connection.client.incr(`${connection.prefix}key-cursor:${instanceId}`)) - 1,
        () => local.next(instanceId),
      ),
  };
}
