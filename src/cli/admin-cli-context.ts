import { createAccountServices, type CreditsService } from '../accounts/account-services.js';
import { createAccountAdminService, createUsageService, type AccountAdminService, type UsageService } from '../accounts/admin-services.js';
import { createApiKeyService, type ApiKeyService } from '../accounts/api-key-service.js';
import type { ApiKeyCache } from '../accounts/api-key-cache.js';
import { loadAppConfig } from '../config/app-config.js';
import { createMetrics } from '../observability/metrics.js';
import type { RedisConnection } from '../redis/redis-connection.js';
import { createDatabase } from '../db/create-database.js';
import { migrate } from '../db/migrate.js';

/** Where the operator commands read their settings and write their output; tests pass their own. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const processIo: CliIo = { env: process.env, stdout: process.stdout, stderr: process.stderr };

/** The services the admin API uses, over the database DATABASE_URL / IMAGEROUTER_DATA_DIR name. */
export interface AdminCliServices {
  keys: ApiKeyService;
  accounts: AccountAdminService;
  usage: UsageService;
  credits: CreditsService;
}

/** Opens the database (migrating it, as `serve` would), runs `work`, and always closes it. */
export async function withAdminServices<T>(env: NodeJS.ProcessEnv, work: (services: AdminCliServices) => Promise<T>): Promise<T> {
  const config = loadAppConfig(env);
  const database = await createDatabase({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: config.dataDir });
  // With Redis, a key revoked or changed here is dropped from the running gateways' caches at once.
  let redis: RedisConnection | undefined;
  try {
    await migrate(database);
    const clock = () => Date.now();
    redis = config.redisUrl
      ? await (
          await import('../redis/redis-connection.js')
        ).createRedisConnection({ url: config.redisUrl, prefix: config.redisPrefix, metrics: createMetrics({ defaultMetrics: false }) })
      : undefined;
    const keyChanges: ApiKeyCache | undefined = redis
      ? (await import('../redis/redis-api-key-cache.js')).createApiKeyChangePublisher(redis)
      : undefined;
    return await work({
      keys: createApiKeyService(database.db, clock, keyChanges),
      accounts: createAccountAdminService(database.db, clock),
      usage: createUsageService(database.db),
      credits: createAccountServices(database.db, clock).credits,
    });
  } finally {
    await redis?.close();
    await database.close();
  }
}
