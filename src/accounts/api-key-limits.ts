/** What a key may do and how much: the limits an operator sets per api key. */

export const API_KEY_SCOPES = ['generate', 'read', 'admin'] as const;
/** `generate`: the image endpoints and MCP tools; `read`: generations and credits; `admin`: `/v1/admin/*`. */
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** What a key gets when nobody says otherwise: everything but administration. */
export const DEFAULT_SCOPES: readonly ApiKeyScope[] = ['generate', 'read'];
export const ADMIN_SCOPES: readonly ApiKeyScope[] = ['generate', 'read', 'admin'];

export const SPEND_PERIODS = ['day', 'week', 'month'] as const;
/** Calendar periods in UTC; a week starts on Monday (ISO 8601). */
export type SpendPeriod = (typeof SPEND_PERIODS)[number];

export interface SpendLimit {
  micros: number;
  period: SpendPeriod;
}

export interface ApiKeyLimits {
  scopes: ApiKeyScope[];
  /** Epoch ms; `null` = never expires. */
  expiresAt: number | null;
  spendLimit: SpendLimit | null;
  requestsPerMinute: number | null;
  maxConcurrentGenerations: number | null;
}

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}

export function isSpendPeriod(value: string): value is SpendPeriod {
  return (SPEND_PERIODS as readonly string[]).includes(value);
}

/** Scopes as stored (`generate read`), in canonical order; unknown words are dropped. */
export function parseScopes(stored: string): ApiKeyScope[] {
  const words = new Set(stored.split(/\s+/));
  return API_KEY_SCOPES.filter((scope) => words.has(scope));
}

export function formatScopes(scopes: readonly ApiKeyScope[]): string {
  return API_KEY_SCOPES.filter((scope) => scopes.includes(scope)).join(' ');
}

const DAY_MS = 86_400_000;

/** The start (epoch ms, UTC) of the period that contains `now`. */
export function periodStartOf(period: SpendPeriod, now: number): number {
  const date = new Date(now);
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  if (period === 'day') return midnight;
  if (period === 'week') return midnight - ((date.getUTCDay() + 6) % 7) * DAY_MS;
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** When the period starting at `start` ends, i.e. when its spend resets. */
export function periodEndOf(period: SpendPeriod, start: number): number {
  if (period === 'day') return start + DAY_MS;
  if (period === 'week') return start + 7 * DAY_MS;
  const date = new Date(start);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}
