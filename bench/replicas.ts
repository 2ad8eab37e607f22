import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import { runLoad, type LoadRequest, type LoadResult } from './load-client.js';
import type { BenchSettings, Scenario } from './scenario.js';
import { formatFixed, formatMs, formatRate, markdownTable, summarize } from './stats.js';

const GENERATIONS_PATH = '/v1/openai/images/generations';
/** Requests in flight in total, split evenly over the replicas. */
const CONCURRENCY = 16;
const EDGE = 256;
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Throughput of one replica against two on the same machine, both on one PostgreSQL database, as
 * behind a load balancer: `test/test` at 256x256 (rendering cheap enough that the gateway's own
 * work, a single event loop per process, is what a second replica can add to).
 */
export const replicasScenario: Scenario = {
  name: 'replicas',
  title: 'Replicas: one against two on one PostgreSQL',
  async run(settings, progress) {
    const serverUrl = process.env['BENCH_DATABASE_URL']?.trim() || DEFAULT_DATABASE_URL;
    const admin = new pg.Client({ connectionString: serverUrl });
    try {
      await admin.connect();
    } catch (error) {
      return `Skipped: PostgreSQL at ${redact(serverUrl)} is unreachable (${error instanceof Error ? error.message : String(error)}); set BENCH_DATABASE_URL.`;
    }
    const name = `ir_bench_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    await admin.query(`create database ${name}`);
    const databaseUrl = new URL(serverUrl);
    databaseUrl.pathname = `/${name}`;
    const env = { DATABASE_URL: databaseUrl.toString(), IMAGEROUTER_ADMIN_KEY: randomBytes(24).toString('base64url') };
    const gateways: GatewayProcess[] = [];
    try {
      progress('starting two gateways on one PostgreSQL database …');
      // One after the other: the first migrates, the second finds the schema current.
      gateways.push(await startGatewayProcess({ env }));
      gateways.push(await startGatewayProcess({ env }));
      const key = await gateways[0]!.createKey('bench');
      const rows: string[][] = [];
      let single: number | undefined;
      for (const count of [1, 2]) {
        progress(`${count} replica(s), c=${CONCURRENCY} in total …`);
        const results = await Promise.all(gateways.slice(0, count).map((gateway) => load(gateway, key, CONCURRENCY / count, settings)));
        const rate = results.reduce((sum, result) => sum + result.requestsPerSecond, 0);
        single ??= rate;
        const latency = summarize(results.flatMap((result) => result.latenciesMs));
        const errors = results.reduce((sum, result) => sum + result.errors, 0);
        rows.push([
          String(count),
          String(CONCURRENCY),
          formatRate(rate),
          formatMs(latency.p50),
          formatMs(latency.p99),
          String(errors),
          formatFixed(rate / single, 2),
        ]);
        progress(`  ${formatRate(rate)} req/s, p50 ${formatMs(latency.p50)} ms`);
      }
      return [
        `POST ${GENERATIONS_PATH} \`{"model":"test/test","size":"${EDGE}x${EDGE}","response_format":"b64_ephemeral"}\`, ` +
          `${CONCURRENCY} requests in flight in total, split evenly over the replicas (each its own process, one PostgreSQL ` +
          "database for both), load client on the same machine. `req/s` adds the replicas' windows; latencies are pooled. " +
          'On a 2-core machine the load client, PostgreSQL and the replicas share the cores, so the ratio shows what a ' +
          'second event loop adds here, not what a second machine would.',
        '',
        markdownTable(COLUMNS, rows),
      ].join('\n');
    } finally {
      await Promise.allSettled(gateways.map((gateway) => gateway.stop()));
      await admin.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await admin.end();
    }
  },
};

const COLUMNS = [
  { title: 'replicas', align: 'right' },
  { title: 'concurrency', align: 'right' },
  { title: 'req/s', align: 'right' },
  { title: 'p50 ms', align: 'right' },
  { title: 'p99 ms', align: 'right' },
  { title: 'errors', align: 'right' },
  { title: 'vs 1 replica', align: 'right' },
] as const;

async function load(gateway: GatewayProcess, key: string, concurrency: number, settings: BenchSettings): Promise<LoadResult> {
  const request: LoadRequest = {
    method: 'POST',
    path: GENERATIONS_PATH,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: Buffer.from(
      JSON.stringify({ model: 'test/test', prompt: 'bench replicas', size: `${EDGE}x${EDGE}`, response_format: 'b64_ephemeral' }),
    ),
  };
  return runLoad({
    port: gateway.port,
    concurrency,
    warmupMs: settings.warmupMs,
    durationMs: settings.durationMs,
    maxRequests: settings.maxRequests,
    request: () => request,
  });
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
