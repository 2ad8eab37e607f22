import path from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import type { AppConfig } from '../config/app-config.js';
import { effectiveSettings } from '../config/effective-settings.js';
import { maskUrlCredentials } from '../config/mask-secret.js';
import type { ProviderInstance } from '../providers/provider-instances.js';
import { parseRoutingConfig } from '../routing/routing-config.js';

/**
 * `GET /v1/admin/config`: what this gateway runs with. Secrets are masked; of provider keys only
 * the variable names and the number of keys appear, never a character of a key.
 */
export function adminConfigJson(config: AppConfig, instances: readonly ProviderInstance[], catalog: Catalog) {
  // Already validated at boot, so this cannot throw here; parsed again for its defaults.
  const routing = parseRoutingConfig(catalog.config.routing, config.configFile);
  const models = catalog.all();
  return {
    settings: effectiveSettings(config),
    providers: instances.map((instance) => ({
      id: instance.id,
      adapter: instance.adapter,
      title: instance.title,
      base_url: maskUrlCredentials(instance.baseUrl),
      base_url_variable: instance.baseUrlVariable,
      configured: instance.configured,
      missing: instance.missing ?? null,
      key_variables: instance.keyVariables.map((name) => ({ name, set: name === instance.keyVariable })),
      keys: instance.apiKeys.length,
    })),
    routing: {
      max_retries: routing.backoff.maxRetries,
      backoff_base_ms: routing.backoff.baseMs,
      backoff_max_ms: routing.backoff.maxMs,
      max_retry_after_ms: routing.backoff.maxRetryAfterMs,
      circuit_breaker: { failure_threshold: routing.breaker.failureThreshold, open_ms: routing.breaker.openMs },
    },
    storage: config.s3
      ? {
          kind: 's3' as const,
          bucket: config.s3.bucket,
          endpoint: config.s3.endpoint ?? null,
          region: config.s3.region,
          hosted_urls: config.s3.urls.mode,
          retention_days: config.retentionDays,
        }
      : { kind: 'local' as const, images_dir: path.join(config.dataDir, 'images'), retention_days: config.retentionDays },
    catalog: {
      models: models.length,
      active_models: models.filter((model) => model.status === 'active').length,
      config_file: catalog.config.file ?? null,
    },
  };
}

export type AdminConfigJson = ReturnType<typeof adminConfigJson>;
