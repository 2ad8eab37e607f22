import { Redis, type RedisOptions } from 'ioredis';
import type { Metrics } from '../observability/metrics.js';
import { withinDeadline } from './within-deadline.js';

/**
 * Past this a command counts as failed and the in-process fallback serves: Redis answers in well
 * under a millisecond on a LAN, and must never hold a request up for long. Measured by
 * `withinDeadline`, so that this process's own event-loop lag is not taken for a slow Redis.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 250;
/**
 * ioredis's own timer, for the commands sent outside a deadline (a slot's renewal and release):
 * frees them if the host vanished without closing the connection.
 */
const COMMAND_BACKSTOP_MS = 5_000;
/** How long boot waits for the first connection before serving with the fallbacks. */
const FIRST_CONNECT_WAIT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 1_000;
const MAX_RECONNECT_DELAY_MS = 2_000;
const WARNING = { code: 'IMAGEROUTER_REDIS' } as const;
/**
 * After a command times out, Redis is skipped this long: a host that vanished without closing the
 * connection would otherwise cost every request a timeout per operation until the socket notices.
 */
const PAUSE_AFTER_TIMEOUT_MS = 1_000;
/** An operation that keeps failing while Redis is up (a bug, not an outage) is reported this often at most. */
const WARN_INTERVAL_MS = 60_000;

export interface RedisConnection {
  readonly client: Redis;
  /** Prefix of every key and channel, so several gateways (or test runs) can share one Redis. */
  readonly prefix: string;
  /** Whether commands go out now; when not, every shared-state operation uses its in-process fallback. */
  isUp(): boolean;
  /** `command`, failed with a timeout if Redis has not answered it within REDIS_COMMAND_TIMEOUT_MS. */
  withinDeadline<T>(command: Promise<T>): Promise<T>;
  /** Counts an operation served in process; `error` is why (absent: Redis was down). */
  fellBack(operation: string, error?: unknown): void;
  /**
   * Listens to `channel` on a connection of its own. `onLost` runs whenever messages may have been
   * missed (the connection dropped, or it has just subscribed again).
   */
  subscribe(channel: string, handlers: { onMessage(message: string): void; onLost(): void }): Promise<Subscription>;
  close(): Promise<void>;
}

export interface Subscription {
  /** Whether messages arrive now: subscribed over a live connection. */
  listening(): boolean;
}

/**
 * Connects to `url` without ever queueing commands while disconnected (`enableOfflineQueue: false`:
 * they fail at once and the fallback serves) and reconnects forever in the background. Up/down is
 * the `imagerouter_redis_up` gauge; each transition is one warning, not one per failed command.
 */
export async function createRedisConnection(options: { url: string; prefix?: string; metrics: Metrics }): Promise<RedisConnection> {
  const { metrics } = options;
  metrics.registry.registerMetric(metrics.redisUp);
  metrics.registry.registerMetric(metrics.redisFallbacks);
  metrics.redisUp.set(0);
  const prefix = options.prefix ?? 'imagerouter:';
  const client = new Redis(options.url, connectionOptions());
  let wasUp = false;
  let lastError = '';
  client.on('error', (error: Error) => {
    lastError = error.message;
  });
  let lostOnce = false;
  let closing = false;
  client.on('ready', () => {
    metrics.redisUp.set(1);
    if (wasUp) return;
    wasUp = true;
    // The first connection is the expected state; only a return after an outage is news.
    if (lostOnce) process.emitWarning('Redis (REDIS_URL) is back: rate limits, breakers and key revocations are shared again', WARNING);
  });
  client.on('close', () => {
    metrics.redisUp.set(0);
    if (!wasUp || closing) return;
    wasUp = false;
    lostOnce = true;
    const reason = lastError ? ` (${lastError})` : '';
    process.emitWarning(`Redis (REDIS_URL) is unreachable${reason}: serving shared state in process until it returns`, WARNING);
  });
  await waitAtBoot(ready(client));

  const lastWarned = new Map<string, number>();
  let pausedUntil = 0;
  const subscribers: Redis[] = [];
  const connection: RedisConnection = {
    client,
    prefix,
    isUp: () => client.status === 'ready' && Date.now() >= pausedUntil,
    withinDeadline: (command) => withinDeadline(command, REDIS_COMMAND_TIMEOUT_MS),
    fellBack(operation, error) {
      metrics.redisFallbacks.inc({ operation });
      if (error instanceof Error && /timed out/i.test(error.message)) pausedUntil = Date.now() + PAUSE_AFTER_TIMEOUT_MS;
      if (error === undefined || client.status !== 'ready') return;
      const now = Date.now();
      if (now - (lastWarned.get(operation) ?? 0) < WARN_INTERVAL_MS) return;
      lastWarned.set(operation, now);
      process.emitWarning(
        `Redis ${operation} failed, served in process: ${error instanceof Error ? error.message : String(error)}`,
        WARNING,
      );
    },
    async subscribe(channel, handlers) {
      // A subscribed connection can send nothing else, hence one of its own.
      const subscriber = new Redis(options.url, { ...connectionOptions(), autoResubscribe: false });
      subscribers.push(subscriber);
      let subscribed = false;
      let firstSubscribed: () => void = () => undefined;
      const subscribedOnce = new Promise<void>((resolve) => (firstSubscribed = resolve));
      subscriber.on('error', () => undefined);
      subscriber.on('message', (from: string, message: string) => {
        if (from === channel) handlers.onMessage(message);
      });
      subscriber.on('close', () => {
        subscribed = false;
        handlers.onLost();
      });
      subscriber.on('ready', () => {
        subscriber.subscribe(channel).then(
          () => {
            // Whatever was published while this replica was not listening is lost: start afresh.
            handlers.onLost();
            subscribed = true;
            firstSubscribed();
          },
          () => undefined,
        );
      });
      await waitAtBoot(subscribedOnce);
      return { listening: () => subscribed && subscriber.status === 'ready' };
    },
    async close() {
      closing = true;
      for (const connectionToClose of [...subscribers, client]) connectionToClose.disconnect();
    },
  };
  return connection;
}

function connectionOptions(): RedisOptions {
  return {
    enableOfflineQueue: false,
    commandTimeout: COMMAND_BACKSTOP_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
  };
}

/** Resolves once `redis` is connected. */
function ready(redis: Redis): Promise<void> {
  return redis.status === 'ready' ? Promise.resolve() : new Promise((resolve) => redis.once('ready', () => resolve()));
}

/** Waits for `event`, or a short while: a Redis that is down at boot must not stop the gateway. */
async function waitAtBoot(event: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([event, new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_CONNECT_WAIT_MS)))]);
  clearTimeout(timer);
}
