import type { CreditsService } from '../accounts/account-services.js';
import type { AccountAdminService, UsageService } from '../accounts/admin-services.js';
import type { ApiKeyService } from '../accounts/api-key-service.js';
import type { WebhookSecrets } from '../accounts/webhook-secrets.js';
import type { CatalogQueries } from '../catalog/catalog-queries.js';
import type { GenerationService } from '../generation/generation-service.js';
import type { Metrics } from '../observability/metrics.js';
import type { DashboardAssets } from './dashboard-assets.js';
import type { ProviderInstanceHealth } from '../routing/provider-health-report.js';
import type { HostedImageUrls } from '../storage/hosted-image-urls.js';
import type { StoredImageReader } from '../storage/stored-image-reader.js';
import type { AdminConfigJson } from './admin-config-json.js';

/** The settings HTTP itself applies (body limits, heartbeats, URLs); the rest belong to the services. */
export interface HttpSettings {
  publicUrl: string;
  logLevel: string;
  maxImageBytes: number;
  maxRequestBytes: number;
  heartbeatDelayMs: number;
  heartbeatIntervalMs: number;
  metricsToken: string | undefined;
}

/** Whether the gateway can serve: the database and image storage answer. Throws (a `NotReadyError` naming which) when not. */
export interface ReadinessCheck {
  /** Throws `NotReadyError` when the database or image storage does not answer; `redis` only with `REDIS_URL` set. */
  check(): Promise<{ database: string; storage: string; models: number; redis?: 'ok' | 'degraded' }>;
}

/**
 * Everything the HTTP layer may use. Each routes plugin receives only the services it needs,
 * never the database handle: routes map requests and responses, the services do the work.
 */
export interface HttpServices {
  settings: HttpSettings;
  keys: ApiKeyService;
  credits: CreditsService;
  generations: GenerationService;
  catalog: CatalogQueries;
  storedImages: StoredImageReader;
  /** The URLs handed out for stored images (gateway, bucket or presigned). */
  hostedUrls: HostedImageUrls;
  readiness: ReadinessCheck;
  metrics: Metrics;
  /** The built web dashboard, served at `/`. */
  dashboard: DashboardAssets;
  webhookSecrets: WebhookSecrets;
  accountAdmin: AccountAdminService;
  usage: UsageService;
  providerHealth: ProviderHealthView;
  /** The effective configuration, secrets masked (`GET /v1/admin/config`). */
  effectiveConfig: () => AdminConfigJson;
}

/** The router's health of each configured provider instance (breakers possibly shared, calls per process). */
export interface ProviderHealthView {
  list(): Promise<ProviderInstanceHealth[]>;
}
