/**
 * Where each instance's round-robin position over its keys is kept, so keys share the load.
 * Asynchronous because replicas may share it (`redis/redis-key-rotation.ts`).
 */
export interface KeyRotation {
  /** This call's position (0, 1, 2, ...); the caller takes it modulo its key count. */
  next(instanceId: string): Promise<number>;
}

/** The rotation of one process. */
export function createInMemoryKeyRotation(): KeyRotation {
  const cursors = new Map<string, number>();
  return {
    async next(instanceId) {
      const cursor = cursors.get(instanceId) ?? 0;
      cursors.set(instanceId, cursor + 1);
      return cursor;
    },
  };
}
