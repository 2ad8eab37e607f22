import type { AppConfig } from './app-config.js';
import { maskSecret, maskUrlCredentials } from './mask-secret.js';

export type SettingValue = string | number | boolean | string[] | null;

/**
 * The configuration in effect, keyed by the variable that sets each value (defaults applied), for
 * the operator's view. Secrets are masked here, at the source, so no caller can forget to.
 */
export function effectiveSettings(config: AppConfig): Record<string, SettingValue> {
  return {
    PORT: config.port,
    HOST: config.host,
    IMAGEROUTER_DATA_DIR: config.dataDir,
    PUBLIC_URL: config.publicUrl,
    DATABASE_URL: maskUrlCredentials(config.databaseUrl),
    REDIS_URL: maskUrlCredentials(config.redisUrl),
    IMAGEROUTER_REDIS_PREFIX: config.redisPrefix,
    IMAGEROUTER_ADMIN_KEY: maskSecret(config.adminKey),
    IMAGEROUTER_CONFIG: config.configFile ?? null,
    IMAGEROUTER_URL_ALLOWLIST: config.urlAllowlist,
    IMAGEROUTER_RETENTION_DAYS: config.retentionDays,
    IMAGEROUTER_REQUEST_TIMEOUT_MS: config.requestTimeoutMs,
    IMAGEROUTER_GENERATION_LEASE_MS: config.generationLeaseMs,
    IMAGEROUTER_HEARTBEAT_DELAY_MS: config.heartbeatDelayMs,
    IMAGEROUTER_HEARTBEAT_INTERVAL_MS: config.heartbeatIntervalMs,
    IMAGEROUTER_MAX_IMAGE_BYTES: config.maxImageBytes,
    IMAGEROUTER_MAX_REQUEST_BYTES: config.maxRequestBytes,
    IMAGEROUTER_MAX_INPUT_BYTES: config.maxInputBytes,
    IMAGEROUTER_DOWNLOAD_TIMEOUT_MS: config.downloadTimeoutMs,
    IMAGEROUTER_METRICS_TOKEN: maskSecret(config.metricsToken),
    IMAGEROUTER_TRUST_PROXY: config.trustProxy,
    IMAGEROUTER_FREE_DAILY_LIMIT_PER_ACCOUNT: config.freeDailyLimitPerAccount,
    IMAGEROUTER_FREE_DAILY_LIMIT_PER_IP: config.freeDailyLimitPerIp,
    LOG_LEVEL: config.logLevel,
    S3_BUCKET: config.s3?.bucket ?? null,
    S3_ENDPOINT: config.s3?.endpoint ?? null,
    S3_REGION: config.s3?.region ?? null,
    S3_ACCESS_KEY_ID: maskSecret(config.s3?.credentials?.accessKeyId),
    S3_SECRET_ACCESS_KEY: maskSecret(config.s3?.credentials?.secretAccessKey),
    S3_FORCE_PATH_STYLE: config.s3?.forcePathStyle ?? null,
    S3_PUBLIC_URL: config.s3?.urls.mode === 'public' ? config.s3.urls.publicUrl : null,
    S3_URL_TTL: config.s3?.urls.mode === 'presigned' ? config.s3.urls.urlTtlSeconds : null,
  };
}
