import path from 'node:path';
import { z } from 'zod';
import { parseS3Config, type S3Config } from './s3-config.js';

/** Everything the gateway reads from its environment, validated once at boot. */
export interface AppConfig {
  port: number;
  host: string;
  /** Base directory for the SQLite file and stored images. */
  dataDir: string;
  /** Base of hosted image URLs, without a trailing slash. */
  publicUrl: string;
  /** `undefined` → SQLite under the data dir; `postgres://...` → PostgreSQL. */
  databaseUrl: string | undefined;
  /**
   * `redis://...` or `rediss://...`: rate limits, breakers, latencies, key rotation, popular-model
   * counts and key-cache revocations shared by every replica. `undefined` → all kept in process.
   */
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several gateways can share one Redis. */
  redisPrefix: string;
  /** If set, a key with admin rights. */
  adminKey: string | undefined;
  /** Optional YAML file that adds or overrides models. */
  configFile: string | undefined;
  /** Hosts or CIDRs the guarded downloader may reach despite being private or loopback. */
  urlAllowlist: string[];
  /** Days a stored image and its prompt are kept. */
  retentionDays: number;
  /** Whole-request deadline for a generation. */
  requestTimeoutMs: number;
  /**
   * How long a running generation's lease lasts without renewal; past it, the generation is taken
   * for abandoned by a dead process and finished by crash recovery. Recovery also runs this often.
   */
  generationLeaseMs: number;
  /** After this long without a result, the response commits 200 and sends whitespace heartbeats. */
  heartbeatDelayMs: number;
  /** Interval between heartbeat bytes. */
  heartbeatIntervalMs: number;
  /** Byte cap for one uploaded or downloaded image. */
  maxImageBytes: number;
  /** Byte cap for a whole request body (all uploads together, or a JSON body with base64 images). */
  maxRequestBytes: number;
  /** Byte cap for all images one request downloads by URL together. */
  maxInputBytes: number;
  /** Timeout for downloading one image by URL. */
  downloadTimeoutMs: number;
  /** If set, `/metrics` requires `Authorization: Bearer <token>`; unset, it is open (local use). */
  metricsToken: string | undefined;
  /**
   * Which proxies' `X-Forwarded-For` names the client (Fastify's `trustProxy`): false (the
   * default: the socket's peer is the client), true (any), a hop count, or addresses and CIDRs.
   */
  trustProxy: boolean | number | string[];
  /** Generations of free models one account may run per UTC day; 0 = no cap (the default). */
  freeDailyLimitPerAccount: number;
  /** Generations of free models one client IP may run per UTC day; 0 = no cap (the default). */
  freeDailyLimitPerIp: number;
  logLevel: string;
  /** Set (`S3_BUCKET`): images go to an S3-compatible bucket instead of `{dataDir}/images`. */
  s3: S3Config | undefined;
}

const integer = (fallback: number, min = 0) =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min) {
        context.addIssue({ code: 'custom', message: `must be an integer >= ${min}, got '${value}'` });
        return z.NEVER;
      }
      return parsed;
    });

const envSchema = z.object({
  PORT: integer(3000),
  HOST: z.string().default('0.0.0.0'),
  IMAGEROUTER_DATA_DIR: z.string().default('./data'),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z
    .string()
    .optional()
    .refine((value) => value === undefined || value === '' || /^postgres(ql)?:\/\//.test(value) || value.startsWith('sqlite:'), {
      message: "must be 'postgres://...' or 'sqlite:<path>' (or unset for SQLite in the data dir)",
    }),
  REDIS_URL: z
    .string()
    .optional()
    .refine((value) => value === undefined || value === '' || /^rediss?:\/\//.test(value), {
      message: "must be 'redis://...' or 'rediss://...' (or unset to keep shared state in process)",
    }),
  IMAGEROUTER_REDIS_PREFIX: z.string().default('imagerouter:'),
  IMAGEROUTER_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  IMAGEROUTER_CONFIG: z.string().optional(),
  IMAGEROUTER_URL_ALLOWLIST: z.string().default(''),
  IMAGEROUTER_RETENTION_DAYS: integer(30, 1),
  IMAGEROUTER_REQUEST_TIMEOUT_MS: integer(300_000, 1_000),
  IMAGEROUTER_GENERATION_LEASE_MS: integer(60_000, 300),
  IMAGEROUTER_HEARTBEAT_DELAY_MS: integer(20_000, 100),
  IMAGEROUTER_HEARTBEAT_INTERVAL_MS: integer(5_000, 100),
  IMAGEROUTER_MAX_IMAGE_BYTES: integer(50 * 1024 * 1024, 1024),
  IMAGEROUTER_MAX_REQUEST_BYTES: integer(200 * 1024 * 1024, 1024),
  IMAGEROUTER_MAX_INPUT_BYTES: integer(0, 1024),
  IMAGEROUTER_DOWNLOAD_TIMEOUT_MS: integer(30_000, 100),
  IMAGEROUTER_METRICS_TOKEN: z.string().optional(),
  IMAGEROUTER_TRUST_PROXY: z.string().default(''),
  IMAGEROUTER_FREE_DAILY_LIMIT_PER_ACCOUNT: integer(0),
  IMAGEROUTER_FREE_DAILY_LIMIT_PER_IP: integer(0),
  LOG_LEVEL: z.string().default('info'),
});

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; a failure names the variable and the fix. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  const s3 = parseS3Config(env);
  if (!parsed.success || s3.problems.length > 0) {
    const lines = [...(parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? []), ...s3.problems];
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const values = parsed.data;
  const publicUrl = (values.PUBLIC_URL ?? `http://localhost:${values.PORT}`).replace(/\/+$/, '');
  return {
    port: values.PORT,
    host: values.HOST,
    dataDir: path.resolve(values.IMAGEROUTER_DATA_DIR),
    publicUrl,
    databaseUrl: values.DATABASE_URL === '' ? undefined : values.DATABASE_URL,
    redisUrl: values.REDIS_URL === '' ? undefined : values.REDIS_URL,
    redisPrefix: values.IMAGEROUTER_REDIS_PREFIX,
    adminKey: values.IMAGEROUTER_ADMIN_KEY,
    configFile: values.IMAGEROUTER_CONFIG === '' ? undefined : values.IMAGEROUTER_CONFIG,
    urlAllowlist: values.IMAGEROUTER_URL_ALLOWLIST.split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
    retentionDays: values.IMAGEROUTER_RETENTION_DAYS,
    requestTimeoutMs: values.IMAGEROUTER_REQUEST_TIMEOUT_MS,
    generationLeaseMs: values.IMAGEROUTER_GENERATION_LEASE_MS,
    heartbeatDelayMs: values.IMAGEROUTER_HEARTBEAT_DELAY_MS,
    heartbeatIntervalMs: values.IMAGEROUTER_HEARTBEAT_INTERVAL_MS,
    maxImageBytes: values.IMAGEROUTER_MAX_IMAGE_BYTES,
    maxRequestBytes: values.IMAGEROUTER_MAX_REQUEST_BYTES,
    // Unset: the request cap, so a URL-only JSON body can pull in no more than an upload could carry.
    maxInputBytes: values.IMAGEROUTER_MAX_INPUT_BYTES || values.IMAGEROUTER_MAX_REQUEST_BYTES,
    downloadTimeoutMs: values.IMAGEROUTER_DOWNLOAD_TIMEOUT_MS,
    metricsToken: values.IMAGEROUTER_METRICS_TOKEN === '' ? undefined : values.IMAGEROUTER_METRICS_TOKEN,
    trustProxy: parseTrustProxy(values.IMAGEROUTER_TRUST_PROXY),
    freeDailyLimitPerAccount: values.IMAGEROUTER_FREE_DAILY_LIMIT_PER_ACCOUNT,
    freeDailyLimitPerIp: values.IMAGEROUTER_FREE_DAILY_LIMIT_PER_IP,
    logLevel: values.LOG_LEVEL,
    s3: s3.config,
  };
}

/** `true`/`false`, a hop count, or a comma-separated list of proxy addresses and CIDRs. */
function parseTrustProxy(value: string): boolean | number | string[] {
  const text = value.trim();
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
