import type { Generated } from 'kysely';

/**
 * Kysely's view of the tables, identical on SQLite and PostgreSQL.
 *
 * Conventions (so both dialects behave the same):
 * - money is integer micro-USD (BIGINT on Postgres, returned as a JS number by `create-database.ts`);
 * - timestamps are integer epoch milliseconds (BIGINT), never dialect date types;
 * - booleans are INTEGER 0/1 (SQLite has no boolean type);
 * - JSON is TEXT, (de)serialised by the repositories in `accounts/`.
 * Column names are snake_case as in SQL; repositories map rows to camelCase records.
 */

/** A 0/1 integer standing for a boolean. */
export type IntegerBoolean = 0 | 1;

export interface AccountsTable {
  id: string;
  name: string;
  /** Micro-USD available. NULL = unlimited (a self-hosted operator's own account). */
  balance_micros: number | null;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string;
  /** sha256 hex of the key; the plaintext is never stored (the public service stored keys in plain text). */
  key_hash: string;
  /** The first characters of the key, for recognising it in lists. */
  key_prefix: string;
  /** Space-separated `ApiKeyScope`s, e.g. `generate read`. */
  scopes: string;
  created_at: number;
  /** Set once; a revoked key stops authenticating at once. */
  revoked_at: number | null;
  last_used_at: number | null;
  /** Past it the key stops authenticating; NULL = never. */
  expires_at: number | null;
  /** Most micro-USD the key may spend per `spend_limit_period`; NULL = no limit. */
  spend_limit_micros: number | null;
  /** `day`, `week` or `month` (UTC); set whenever `spend_limit_micros` is. */
  spend_limit_period: string | null;
  /** Start (epoch ms) of the period `period_spent_micros` counts; NULL before the first limited spend. */
  period_start: number | null;
  /** Held and charged micro-USD in the period starting at `period_start` (holds count until settled). */
  period_spent_micros: number;
  requests_per_minute: number | null;
  max_concurrent_generations: number | null;
}

export const LEDGER_ENTRY_KINDS = ['grant', 'reserve', 'settle', 'release', 'adjust'] as const;
export type LedgerEntryKind = (typeof LEDGER_ENTRY_KINDS)[number];

/**
 * Append-only. `amount_micros` is the signed change of the account's balance:
 * grant +credits, reserve −reserved, settle +(reserved − charged) (the part given back, ≥ 0),
 * release +reserved, adjust (an operator's deduction or correction, migration 0006) signed. For a limited account, balance = sum(amount_micros) at all times;
 * unlimited accounts get the same entries while their balance stays NULL.
 */
export interface LedgerEntriesTable {
  id: string;
  account_id: string;
  kind: LedgerEntryKind;
  amount_micros: number;
  /** The generation a reserve/settle/release belongs to; NULL for grants. */
  generation_id: string | null;
  note: string | null;
  created_at: number;
}

export const GENERATION_STATUSES = ['processing', 'success', 'error'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

export interface GenerationsTable {
  id: string;
  account_id: string;
  api_key_id: string;
  model: string;
  /** The provider that delivered (NULL while processing or when every attempt failed). */
  provider: string | null;
  /** The route id that delivered. */
  route: string | null;
  status: GenerationStatus;
  response_format: string;
  output_format: string;
  /** `auto` or `WIDTHxHEIGHT`, as requested. */
  size: string;
  quality: string;
  n: number;
  /** NULL for `b64_ephemeral` requests and after the retention window. */
  prompt: string | null;
  input_image_count: number;
  has_mask: IntegerBoolean;
  reserved_micros: number;
  /** What the account was charged (0 until settled, 0 on error). */
  cost_micros: number;
  latency_ms: number | null;
  image_count: number;
  /** JSON array of stored image ids. */
  output_ids: string;
  /** JSON array of warnings. */
  warnings: string;
  /** JSON array of routing attempts. */
  attempts: string;
  error_message: string | null;
  error_type: string | null;
  /** The error's machine-readable `code`, e.g. `spend_limit_exceeded`. */
  error_code: string | null;
  /** The request parameter the error named. */
  error_param: string | null;
  http_status: number | null;
  created_at: number;
  finished_at: number | null;
  /**
   * While `processing`: until when the running process vouches for the generation (it renews the
   * lease as it works). Past it, the process is presumed dead and recovery finishes the row.
   * NULL once finished, and on rows recorded before leases existed.
   */
  lease_expires_at: number | null;
  /** The key's spend period this generation's hold was counted in; NULL when its key had no spend limit. */
  spend_period_start: number | null;
  /** Where the finished generation is POSTed (signed); NULL when the request asked for no webhook. */
  webhook_url: string | null;
}

export interface StoredImagesTable {
  /** Random and unguessable: it is the only secret in a hosted image URL. */
  id: string;
  generation_id: string;
  /** Without the dot. */
  extension: string;
  content_type: string;
  byte_size: number;
  width: number;
  height: number;
  created_at: number;
  expires_at: number;
}

/** One claimed `Idempotency-Key` per account: the first request's hash and, once recorded, its generation. */
export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  /** sha256 hex of the normalized request, images included. */
  request_hash: string;
  /** NULL until the first request's generation is recorded. */
  generation_id: string | null;
  created_at: number;
}

/** An account's webhook signing secret. Kept in clear because signing needs it; never logged or shown again. */
export interface WebhookSecretsTable {
  account_id: string;
  /** `whsec_...` */
  secret: string;
  created_at: number;
}

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** The webhook outbox: one row per finished generation that asked for a webhook. */
export interface WebhookDeliveriesTable {
  id: string;
  generation_id: string;
  account_id: string;
  url: string;
  status: WebhookDeliveryStatus;
  /** JSON array of `{ at, http_status, error, duration_ms }`, oldest first. */
  attempts: string;
  /** Retries stop 24 h (by default) after this. NULL until the first attempt. */
  first_attempt_at: number | null;
  /** When a dispatcher may send the next attempt; NULL once delivered or failed. */
  next_attempt_at: number | null;
  /** Which dispatcher holds the row, and until when: a claim is a conditional UPDATE of these. */
  lease_token: string | null;
  lease_expires_at: number | null;
  created_at: number;
  finished_at: number | null;
}

export const FREE_USAGE_SCOPES = ['account', 'ip'] as const;
export type FreeUsageScope = (typeof FREE_USAGE_SCOPES)[number];

/**
 * Free-model generations that are running or succeeded, per account or client IP and UTC day.
 * Incremented before a free generation starts, decremented when it fails.
 */
export interface FreeUsageCountersTable {
  scope: FreeUsageScope;
  /** The account id, or the client IP (an IPv6 client's /64 network). */
  subject: string;
  /** `YYYY-MM-DD` in UTC. */
  utc_day: string;
  used: number;
}

/** Which counters one free generation took, so that its failure gives them back exactly once. */
export interface FreeUsageClaimsTable {
  generation_id: string;
  /** The account counted, or NULL when the per-account cap was off. */
  account_subject: string | null;
  /** The client IP counted, or NULL when the per-IP cap was off or there was no IP. */
  ip_subject: string | null;
  utc_day: string;
  created_at: number;
}

/**
 * An async generation's request, kept until it finishes so another replica can take it over
 * (migration 0009). The caller, model, hold and start are its `generations` row's.
 */
export interface GenerationJobsTable {
  generation_id: string;
  /** The request's fields as the entry point received them (JSON object). */
  fields_json: string;
  /** `{ images: string[]; mask: string | null }`: the fetched input images, base64. */
  inputs_json: string;
  /** How many times another process took the generation over. */
  takeovers: Generated<number>;
}

export interface DatabaseSchema {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  ledger_entries: LedgerEntriesTable;
  generations: GenerationsTable;
  stored_images: StoredImagesTable;
  idempotency_keys: IdempotencyKeysTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  free_usage_counters: FreeUsageCountersTable;
  free_usage_claims: FreeUsageClaimsTable;
  generation_jobs: GenerationJobsTable;
}
