import path from 'node:path';
import type { AppConfig } from './config/app-config.js';
import { bindRouteOptions } from './catalog/bind-route-options.js';
import { loadCatalog } from './catalog/load-catalog.js';
import type { Catalog } from './catalog/catalog.js';
import { createDatabase, type Database } from './db/create-database.js';
import { migrate } from './db/migrate.js';
import { findApiKeyByToken, touchApiKey } from './accounts/api-key-repository.js';
import { createGenerationRecords } from './accounts/generation-records.js';
import type { GenerationPorts } from './generation/generation-ports.js';
import type { FindKey } from './http/plugins/authenticate.js';
import { createAddressPolicy, type AddressPolicy } from './net/address-policy.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import type { ImageProvider } from './providers/provider.js';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.js';
import { createBuiltInAdapters } from './providers/built-in-providers.js';
import { resolveProviderInstances } from './providers/provider-instances.js';
import { createRouterState, type RouterState } from './routing/router-state.js';
import { parseRoutingConfig } from './routing/routing-config.js';
import type { ImageStore } from './storage/image-store.js';
import { createLocalDiskStore } from './storage/local-disk-store.js';
import { createImageStorer } from './storage/store-generated-images.js';
import { createResultDownloader } from './generation/download-result.js';

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
  ports: GenerationPorts;
  findKey: FindKey;
  clock: () => number;
  /** Generations that outlive their request (async mode): shutdown waits for them. */
  background: Set<Promise<unknown>>;
  close(): Promise<void>;
}

export interface AppContextOverrides {
  clock?: () => number;
  /** Adapters (default: every built-in one). */
  providers?: ImageProvider[];
  /** Where provider variables (`OPENAI_API_KEY`, ...) are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  random?: () => number;
  catalog?: Catalog;
  store?: ImageStore;
  metrics?: Metrics;
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
  const router = createRouterState({ clock, backoff: routing.backoff, breaker: routing.breaker, ...(overrides.random ? { random: overrides.random } : {}) });
  const database = await createDatabase({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: config.dataDir });
  try {
    await migrate(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const store = overrides.store ?? createLocalDiskStore(path.join(config.dataDir, 'images'));
  const metrics = overrides.metrics ?? createMetrics();
  const records = createGenerationRecords(database.db, metrics);

  const findKey: FindKey = async (token) => {
    const found = await findApiKeyByToken(database.db, token);
    if (!found) return undefined;
    const { apiKey } = found;
    // `last_used_at` is bookkeeping: a failed write must not fail the request, but it is worth a log line.
    touchApiKey(database.db, apiKey.id, clock()).catch((error: unknown) => {
      process.emitWarning(`Could not record the last use of key ${apiKey.id}: ${error instanceof Error ? error.message : String(error)}`);
    });
    return { apiKeyId: apiKey.id, apiKeyName: apiKey.name, accountId: apiKey.accountId, isAdmin: apiKey.isAdmin };
  };

  return {
    config,
    database,
    catalog,
    store,
    registry,
    policy,
    metrics,
    findKey,
    clock,
    background: new Set(),
    router,
    ports: {
      registry,
      router,
      records,
      clock,
      storeImages: createImageStorer({ db: database.db, store, publicUrl: () => config.publicUrl, retentionDays: config.retentionDays, clock }),
      downloadResult: createResultDownloader({ policy, maxBytes: config.maxImageBytes, timeoutMs: config.downloadTimeoutMs }),
    },
    close: () => database.close(),
  };
}
