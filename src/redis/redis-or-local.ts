import type { RedisConnection } from './redis-connection.js';

/**
 * `remote` while Redis is up; `local` (the in-process implementation) when it is down or the
 * command fails or times out, counted as a fallback. Requests never fail because of Redis.
 */
export async function redisOrLocal<T>(
  connection: RedisConnection,
  operation: string,
  remote: () => Promise<T>,
  local: () => Promise<T>,
): Promise<T> {
  if (!connection.isUp()) {
    connection.fellBack(operation);
    return local();
  }
  try {
    return await connection.withinDeadline(remote());
  } catch (error) {
    connection.fellBack(operation, error);
    return local();
  }
}
