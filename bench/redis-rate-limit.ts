import { createInMemoryRateLimitStore } from '../src/accounts/in-memory-rate-limit-store.js';
import type { RateLimitStore } from '../src/accounts/rate-limit-store.js';
import { maskUrlCredentials } from '../src/config/mask-secret.js';
import { createGenerationAdmission } from '../src/generation/admit-generation.js';
import { createMetrics } from '../src/observability/metrics.js';
import { createRedisConnection } from '../src/redis/redis-connection.js';
import { createRedisRateLimitStore } from '../src/redis/redis-rate-limit-store.js';
import type { BenchSettings, Scenario } from './scenario.js';
import { elapsedMs, formatInteger, formatMs, markdownTable, summarize } from './stats.js';

/** The Redis to measure against: `BENCH_REDIS_URL`, else the local default. */
const REDIS_URL = process.env.BENCH_REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
/** Admissions in flight at once in the concurrent rows (requests arriving together). */
const CONCURRENCY = 32;
/** Keys the admissions are spread over, as many clients would be. */
const KEYS = 64;

/**
 * What the Redis rate limiter adds to each request: the admission of a generation (requests per
 * minute + a concurrency slot taken and given back) with the in-process store, then with Redis.
 */
export const redisRateLimitScenario: Scenario = {
  name: 'redis',
  title: 'Admission per request: in-process vs Redis rate limiting',
  async run(settings, progress) {
    const prefix = `imagerouter-bench:${Date.now().toString(36)}:`;
    const metrics = createMetrics({ defaultMetrics: false });
    const connection = await createRedisConnection({ url: REDIS_URL, prefix, metrics });
    if (!connection.isUp()) {
      await connection.close();
      return `Redis at ${REDIS_URL} does not answer: nothing measured. Start Redis or set BENCH_REDIS_URL.`;
    }
    const count = Math.max(settings.maxRequests, 1000);
    const stores: Array<{ name: string; store: RateLimitStore }> = [
      { name: 'in process', store: createInMemoryRateLimitStore() },
      { name: 'Redis', store: createRedisRateLimitStore(connection, createInMemoryRateLimitStore()) },
    ];
    const rows: string[][] = [];
    const p50s = new Map<string, number>();
    const p99s = new Map<string, number>();
    try {
      for (const parallel of [1, CONCURRENCY]) {
        for (const { name, store } of stores) {
          progress(`admission, ${name}, ${parallel} at a time …`);
          await admitMany(store, Math.min(count, 200), parallel); // warm-up: connections, scripts loaded
          const ms = await admitMany(store, count, parallel);
          const summary = summarize(ms);
          p50s.set(`${name}/${parallel}`, summary.p50);
          p99s.set(`${name}/${parallel}`, summary.p99);
          const base = `in process/${parallel}`;
          rows.push([
            name,
            String(parallel),
            formatInteger(count),
            formatMs(summary.p50),
            formatMs(summary.p99),
            formatMs(summary.max),
            name === 'Redis' ? formatMs(summary.p50 - (p50s.get(base) ?? 0)) : '–',
            name === 'Redis' ? formatMs(summary.p99 - (p99s.get(base) ?? 0)) : '–',
          ]);
        }
      }
    } finally {
      await connection.client.eval(CLEANUP, 0, `${prefix}*`).catch(() => undefined);
      await connection.close();
    }
    return [describe(settings, count), '', markdownTable(COLUMNS, rows)].join('\n');
  },
};

/** Deletes the bench's keys (a handful of sets, one per key). */
const CLEANUP = `for _, key in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', key) end return 1`;

/** Admits `count` generations, `parallel` at a time, each released at once; returns each admission's wall time. */
async function admitMany(store: RateLimitStore, count: number, parallel: number): Promise<number[]> {
  const admission = createGenerationAdmission(store, Date.now);
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      const caller = {
        apiKeyId: `bench-${index % KEYS}`,
        // High enough never to refuse: the cost measured is that of counting, not of a 429.
        rateLimits: { requestsPerMinute: 1_000_000, maxConcurrentGenerations: 1_000 },
      };
      const startNs = process.hrtime.bigint();
      const admitted = await admission.admit(caller);
      times.push(elapsedMs(startNs, process.hrtime.bigint()));
      admitted.release();
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return times;
}

const COLUMNS = [
  { title: 'store' },
  { title: 'in flight', align: 'right' },
  { title: 'admissions', align: 'right' },
  { title: 'p50 ms', align: 'right' },
  { title: 'p99 ms', align: 'right' },
  { title: 'max ms', align: 'right' },
  { title: 'added p50 ms', align: 'right' },
  { title: 'added p99 ms', align: 'right' },
] as const;

function describe(settings: BenchSettings, count: number): string {
  return (
    `\`createGenerationAdmission\` for a key with a requests-per-minute limit and a concurrency limit: one sliding-window ` +
    `hit and one slot taken (then released), per admission, over ${KEYS} keys; ${count} timed admissions per row ` +
    `(\`--max-requests\`, at least 1000; now ${settings.maxRequests}) after an untimed warm-up. Redis: ${maskUrlCredentials(REDIS_URL) ?? ''} ` +
    `(one Lua script per admission by EVALSHA, window and slot together, plus the ZREM of the release). \`added\` is Redis minus in process at the same concurrency.`
  );
}
