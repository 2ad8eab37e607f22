import { createInMemoryRateLimitStore } from './accounts/in-memory-rate-limit-store.js';
import type { RateLimitStore } from './accounts/rate-limit-store.js';
import { createGenerationAdmission } from './generation/admit-generation.js';
import path from 'node:path';
import { ConfigError, type AppConfig } from './config/app-config.js';
import { bindRouteOptions } from './catalog/bind-route-options.js';
import { loadCatalog } from './catalog/load-catalog.js';
import type { Catalog } from './catalog/catalog.js';
import { createDatabase, type Database } from './db/create-database.js';
import { migrate, pendingMigrations } from './db/migrate.js';
import { createAccountServices, type CreditsService } from './accounts/account-services.js';
import { createAccountAdminService, createUsageService, type AccountAdminService, type UsageService } from './accounts/admin-services.js';
import type { ApiKeyService } from './accounts/api-key-service.js';
import { createVersionedApiKeyCache, VERSIONED_API_KEY_CACHE_TTL_MS } from './accounts/api-key-cache.js';
import { apiKeyChangeCount } from './accounts/api-key-repository.js';
import type { CatalogQueries } from './catalog/catalog-queries.js';
import { pingDatabase } from './db/ping-database.js';
import { createImageFetcher } from './generation/fetch-input-images.js';
import { createIdempotencyKeyStore } from './accounts/idempotency-key-store.js';
import { createGenerationService, type GenerationService } from './generation/generation-service.js';
import { createStoredImageReader, type StoredImageReader } from './storage/stored-image-reader.js';
import { createGenerationRecords } from './accounts/generation-records.js';
import { createFreeUsageCaps } from './accounts/free-usage-caps.js';
import { recoverAbandonedGenerations, type RecoveryResult } from './accounts/recover-abandoned-generations.js';
import type { BackgroundWork, UseCasePorts } from './generation/generation-ports.js';
import { createGenerationJobs } from './accounts/generation-jobs.js';
import { MAX_TAKEOVERS, resumeGeneration } from './generation/resume-generation.js';
import { createAddressPolicy, type AddressPolicy } from './net/address-policy.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import type { ImageProvider } from './providers/provider.js';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.js';
import { createBuiltInAdapters } from './providers/built-in-providers.js';
import { resolveProviderInstances } from './providers/provider-instances.js';
import { createRouterState, type RouterState, type SharedRouterState } from './routing/router-state.js';
import { createCircuitBreakers } from './routing/circuit-breaker.js';
import { createLatencyTracker } from './routing/latency-tracker.js';
import { createInMemoryKeyRotation } from './routing/key-rotation.js';
import type { ModelUsageCount } from './catalog/popular-models.js';
import type { RedisSharedState } from './redis/redis-shared-state.js';
import { providerHealthReport, type ProviderInstanceHealth } from './routing/provider-health-report.js';
import { parseRoutingConfig } from './routing/routing-config.js';
import type { ImageStore } from './storage/image-store.js';
import { createLocalDiskStore } from './storage/local-disk-store.js';
import { createHostedImageUrls, type HostedImageUrls } from './storage/hosted-image-urls.js';
import type { S3ImageStore } from './storage/s3-store.js';
import { NotReadyError } from './errors/not-ready-error.js';
import { createImageStorer } from './storage/store-generated-images.js';
import { eraseGenerationImages } from './storage/erase-generation-images.js';
import { createResultDownloader } from './generation/download-result.js';
import { createWebhookSecrets, getWebhookSecret, type WebhookSecrets } from './accounts/webhook-secrets.js';
import { createWebhookOutbox } from './accounts/webhook-outbox.js';
import { getGeneration } from './accounts/generation-repository.js';
import { createWebhookTargets } from './generation/webhook-targets.js';
import { createWebhookDispatcher, type WebhookDispatcher } from './generation/webhook-dispatcher.js';
import { DEFAULT_WEBHOOK_RETRY_SCHEDULE, type WebhookRetrySchedule } from './generation/webhook-retry-schedule.js';
import { postWebhook } from './net/post-webhook.js';

/** The window of `/operations/get-popular-models`. */
const POPULAR_WINDOW_MS = 7 * 86_400_000;

/** A receiver gets this long to answer a webhook POST. */
const WEBHOOK_TIMEOUT_MS = 10_000;
/** Finished generations wait at most this long for their first webhook attempt. */
const WEBHOOK_POLL_INTERVAL_MS = 1_000;
/** Longer than any POST (timeout included), so a live dispatcher never loses a delivery it is sending. */
const WEBHOOK_LEASE_MS = 60_000;
/** Caches may keep an image at most a year (and never past its retention). */
const MAX_CACHE_SECONDS = 31_536_000;

/** Everything a running gateway holds: built once at boot, injected everywhere (tests swap parts). */
export interface AppContext {
  config: AppConfig;
  database: Database;
  catalog: Catalog;
  store: ImageStore;
  registry: ProviderRegistry;
  policy: AddressPolicy;
  metrics: Metrics;
  router: RouterState;
  ports: UseCasePorts;
  clock: () => number;
  /** Generations that outlive their request (async mode): shutdown waits for them. */
  background: BackgroundWork;
  keys: ApiKeyService;
  credits: CreditsService;
  generations: GenerationService;
  catalogQueries: CatalogQueries;
  storedImages: StoredImageReader;
  /** The URLs handed out for stored images: through the gateway, straight from the bucket, or presigned. */
  hostedUrls: HostedImageUrls;
  /** Operators' view: accounts and credits, usage, provider health (admin API and CLI). */
  accountAdmin: AccountAdminService;
  usage: UsageService;
  providerHealth: { list(): Promise<ProviderInstanceHealth[]> };
  readiness: { check(): Promise<{ database: string; storage: string; models: number; redis?: 'ok' | 'degraded' }> };
  /** Present when `REDIS_URL` is set: the state replicas share, and whether Redis answers now. */
  redis: RedisSharedState | undefined;
  /** Finishes generations whose process died (their lease passed): at start and periodically. */
  /**
   * Finishes what stopped processes left: async generations with a kept request are taken over and
   * run here (in `background`; `resumed`), the rest are closed (`released`, `settled`).
   */
  recoverAbandoned(): Promise<RecoveryResult & { resumed: string[] }>;
  webhookSecrets: WebhookSecrets;
  /** Sends the webhook outbox; `start` it where recovery starts (`cli/serve-command.ts`), `close` stops it. */
  webhookDispatcher: WebhookDispatcher;
  close(): Promise<void>;
}

export interface AppContextOverrides {
  clock?: () => number;
  /** Adapters (default: every built-in one). */
  providers?: ImageProvider[];
  /** Where provider variables (`OPENAI_API_KEY`, ...) are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  random?: () => number;
  /**
   * `false` (`serve --no-migrate`): don't migrate, and refuse to start on a schema with pending
   * migrations, so rolling replicas never change the schema under each other; `imagerouter migrate`
   * runs them once beforehand. Default `true`.
   */
  migrate?: boolean;
  catalog?: Catalog;
  store?: ImageStore;
  metrics?: Metrics;
  /** Per-key request counts (default: in this process, or in Redis with `REDIS_URL`). */
  rateLimits?: RateLimitStore;
  /** Webhook delivery timing; tests shorten it to run in seconds. */
  webhooks?: Partial<{ schedule: WebhookRetrySchedule; pollIntervalMs: number; leaseMs: number; timeoutMs: number }>;
}

export async function createAppContext(config: AppConfig, overrides: AppContextOverrides = {}): Promise<AppContext> {
  const clock = overrides.clock ?? Date.now;
  const loadedCatalog = overrides.catalog ?? loadCatalog({ ...(config.configFile ? { configFile: config.configFile } : {}) });
  const policy = createAddressPolicy(config.urlAllowlist);
  // Everything that can reject the configuration runs before the database is opened.
  const instances = resolveProviderInstances(overrides.env ?? process.env, loadedCatalog.config.providers, config.configFile);
  const registry = createProviderRegistry(overrides.providers ?? createBuiltInAdapters(), instances);
  const catalog = bindRouteOptions(loadedCatalog, registry);
  const routing = parseRoutingConfig(catalog.config.routing, config.configFile);
  // The AWS SDK is loaded only with a bucket configured: a SQLite-and-disk start does not pay for it.
  const s3Store: S3ImageStore | undefined =
    overrides.store === undefined && config.s3 !== undefined
      ? await (
          await import('./storage/s3-store.js')
        ).createS3Store(config.s3, {
          cacheSeconds: Math.min(MAX_CACHE_SECONDS, config.retentionDays * 86_400),
        })
      : undefined;
  const database = await createDatabase({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    dataDir: config.dataDir,
    checkpointInBackground: true,
  });
  try {
    if (overrides.migrate === false) await requireCurrentSchema(database);
    else await migrate(database);
  } catch (error) {
    await database.close();
    s3Store?.close();
    throw error;
  }
  const store = overrides.store ?? s3Store ?? createLocalDiskStore(path.join(config.dataDir, 'images'));
  const hostedUrls = createHostedImageUrls({
    publicUrl: () => config.publicUrl,
    mode: config.s3?.urls ?? { mode: 'gateway' },
    ...(s3Store
      ? { presign: (file: string, seconds: number) => s3Store.presignedUrl(file, seconds), bucketUrlBase: s3Store.bucketUrlBase }
      : {}),
    retentionDays: config.retentionDays,
    clock,
  });
  const metrics = overrides.metrics ?? createMetrics();
  const records = createGenerationRecords(database.db, metrics, { clock, leaseMs: config.generationLeaseMs });

  // This process's state; with Redis, each piece is shared and this is its fallback while Redis is away.
  const localRouter: SharedRouterState = {
    breakers: createCircuitBreakers({ ...routing.breaker, clock }),
    latency: createLatencyTracker(),
    keyRotation: createInMemoryKeyRotation(),
  };
  const localRateLimits = overrides.rateLimits ?? createInMemoryRateLimitStore();
  // ioredis is loaded only with REDIS_URL set (about 0.1 s of every start otherwise).
  const redis = config.redisUrl
    ? await (
        await import('./redis/redis-shared-state.js')
      ).createRedisSharedState({
        url: config.redisUrl,
        metrics,
        clock,
        breaker: routing.breaker,
        prefix: config.redisPrefix,
        local: { rateLimits: localRateLimits, router: localRouter },
      })
    : undefined;
  const router = createRouterState({
    clock,
    backoff: routing.backoff,
    shared: redis?.router ?? localRouter,
    ...(overrides.random ? { random: overrides.random } : {}),
  });

  // Without Redis, a SQLite gateway still caches key lookups: SQLite says when another process wrote.
  const { dataVersion } = database;
  const apiKeyCache =
    redis?.apiKeyCache ??
    (dataVersion === undefined
      ? undefined
      : createVersionedApiKeyCache(() => `${dataVersion()}:${apiKeyChangeCount()}`, { clock, ttlMs: VERSIONED_API_KEY_CACHE_TTL_MS }));
  const accounts = createAccountServices(database.db, clock, apiKeyCache);
  const storedImages = createStoredImageReader({ db: database.db, store, clock });
  const webhookSecrets = createWebhookSecrets(database.db, clock);
  const webhookOutbox = createWebhookOutbox(database.db);
  const webhookTimeoutMs = overrides.webhooks?.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const webhookDispatcher = createWebhookDispatcher({
    outbox: webhookOutbox,
    generation: (id) => getGeneration(database.db, id),
    secretOf: (accountId) => getWebhookSecret(database.db, accountId),
    post: (url, body, headers) => postWebhook(url, body, headers, { policy, timeoutMs: webhookTimeoutMs }),
    clock,
    urls: hostedUrls,
    schedule: overrides.webhooks?.schedule ?? DEFAULT_WEBHOOK_RETRY_SCHEDULE,
    pollIntervalMs: overrides.webhooks?.pollIntervalMs ?? WEBHOOK_POLL_INTERVAL_MS,
    leaseMs: overrides.webhooks?.leaseMs ?? WEBHOOK_LEASE_MS,
  });
  const background: BackgroundWork = new Set();
  const jobs = createGenerationJobs(database.db);
  const ports: UseCasePorts = {
    jobs,
    registry,
    router,
    records,
    clock,
    storeImages: createImageStorer({
      db: database.db,
      store,
      urls: hostedUrls,
      retentionDays: config.retentionDays,
      clock,
    }),
    downloadResult: createResultDownloader({ policy, maxBytes: config.maxImageBytes, timeoutMs: config.downloadTimeoutMs }),
    catalog,
    imageFetcher: createImageFetcher({
      policy,
      maxImageBytes: config.maxImageBytes,
      maxInputBytes: config.maxInputBytes,
      timeoutMs: config.downloadTimeoutMs,
      // Read per request: a server on port 0 learns its URL only once it listens.
      ownStorage: {
        reader: storedImages,
        origins: () => ({ publicUrl: config.publicUrl, port: config.port, objectUrlBases: hostedUrls.objectUrlBases() }),
      },
    }),
    requestTimeoutMs: config.requestTimeoutMs,
    admission: createGenerationAdmission(redis?.rateLimits ?? localRateLimits, clock),
    background,
    webhookTargets: createWebhookTargets({ policy, hasSecret: (accountId) => webhookSecrets.exists(accountId) }),
    // Off by default: a single-user install pays nothing for its free models and needs no caps.
    ...(config.freeDailyLimitPerAccount > 0 || config.freeDailyLimitPerIp > 0
      ? {
          freeUsage: createFreeUsageCaps(
            database.db,
            { perAccount: config.freeDailyLimitPerAccount, perIp: config.freeDailyLimitPerIp },
            clock,
          ),
        }
      : {}),
  };

  return {
    config,
    database,
    catalog,
    store,
    registry,
    policy,
    metrics,
    clock,
    background,
    router,
    ports,
    keys: accounts.keys,
    credits: accounts.credits,
    generations: createGenerationService(
      ports,
      accounts.generations,
      {
        store: createIdempotencyKeyStore(database.db),
        lookup: accounts.generations,
        images: storedImages,
        urls: hostedUrls,
      },
      webhookOutbox,
      (generationId) => eraseGenerationImages({ db: database.db, store }, generationId),
    ),
    catalogQueries: {
      catalog,
      availability: (model) =>
        catalog.lifecycle(model).state !== 'retired' &&
        model.routes.some((route) => route.priced && registry.get(route.provider) !== undefined),
      recentUsage: sharedPopularCounts(redis, () => accounts.generations.popularModelCounts(clock() - POPULAR_WINDOW_MS)),
    },
    storedImages,
    hostedUrls,
    accountAdmin: createAccountAdminService(database.db, clock),
    usage: createUsageService(database.db),
    providerHealth: { list: () => providerHealthReport(registry, router) },
    readiness: {
      async check() {
        const [databaseCheck, storageCheck] = await Promise.allSettled([pingDatabase(database.db), store.check()]);
        if (databaseCheck.status === 'rejected') throw new NotReadyError('database', 'The database does not answer.', databaseCheck.reason);
        if (storageCheck.status === 'rejected') throw new NotReadyError('storage', 'Image storage does not answer.', storageCheck.reason);
        return {
          database: database.dialect,
          storage: s3Store ? 's3' : 'local',
          models: catalog.all().length,
          ...(redis ? { redis: redis.status() } : {}),
        };
      },
    },
    async recoverAbandoned() {
      const now = clock();
      // Takeovers first: what they claim has a fresh lease, so the closing pass below leaves it alone.
      const claimed = await jobs.claimAbandoned({ now, leaseMs: config.generationLeaseMs, maxTakeovers: MAX_TAKEOVERS });
      for (const job of claimed) {
        const work = resumeGeneration(ports, job)
          .catch(() => undefined) // The failure is in the generation's record.
          .finally(() => background.delete(work));
        background.add(work);
      }
      const closed = await recoverAbandonedGenerations(database.db, {
        now,
        // No live generation outlives its deadline by more than a lease, so an older unleased row is an orphan.
        unleasedCreatedBefore: now - config.requestTimeoutMs - config.generationLeaseMs,
      });
      return { ...closed, resumed: claimed.map((job) => job.generationId) };
    },
    webhookSecrets,
    webhookDispatcher,
    redis,
    async close() {
      await webhookDispatcher.stop();
      await redis?.close();
      await database.close();
      s3Store?.close();
    },
  };
}

async function requireCurrentSchema(database: Database): Promise<void> {
  const pending = await pendingMigrations(database);
  if (pending.length > 0) {
    throw new ConfigError(
      `The database schema is behind this version: ${pending.length} pending migration(s) (${pending.join(', ')}). ` +
        'Run `imagerouter migrate` once (or start without --no-migrate).',
    );
  }
}

/** With Redis, one replica's count serves all for a while; without, every call counts. */
function sharedPopularCounts(
  redis: RedisSharedState | undefined,
  count: () => Promise<ModelUsageCount[]>,
): () => Promise<ModelUsageCount[]> {
  return redis ? redis.popularCounts(count) : count;
}
