import type { CallerRateLimits } from '../accounts/api-key-service.js';
import type { ConcurrencySlot, RateLimitStore } from '../accounts/rate-limit-store.js';
import { ApiError } from '../errors/api-error.js';

/** Requests per minute are counted over a sliding minute. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** Where a key stands against its requests-per-minute limit after this request. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window has room again. */
  resetSeconds: number;
  windowSeconds: number;
}

/** A generation let in: its concurrency slot, held until `release`. */
export interface Admission {
  /** `null` when the key has no requests-per-minute limit. */
  rateLimit: RateLimitState | null;
  release(): void;
}

/** Lets a generation in or refuses it with a 429, by the caller key's request and concurrency limits. */
export interface GenerationAdmission {
  admit(caller: { apiKeyId: string; rateLimits?: CallerRateLimits }): Promise<Admission>;
}

/** When a concurrency slot frees is unknown; one second is a polite first retry. */
const CONCURRENCY_RETRY_MS = 1000;

export function createGenerationAdmission(store: RateLimitStore, clock: () => number): GenerationAdmission {
  return {
    async admit({ apiKeyId, rateLimits }) {
      const rpm = rateLimits?.requestsPerMinute ?? null;
      const maxConcurrent = rateLimits?.maxConcurrentGenerations ?? null;
      let rateLimit: RateLimitState | null = null;
      let slot: ConcurrencySlot | undefined;
      if (rpm !== null) {
        const window = { subject: `rpm:${apiKeyId}`, limit: rpm, windowMs: RATE_LIMIT_WINDOW_MS, now: clock() };
        // Both limits: one decision (one round trip with Redis); the slot is taken only if the window counted the request.
        const outcome =
          maxConcurrent === null
            ? { decision: await store.hit(window.subject, window.limit, window.windowMs, window.now), slot: undefined }
            : await store.hitAndAcquire(window, { subject: `concurrency:${apiKeyId}`, max: maxConcurrent });
        const { decision } = outcome;
        slot = outcome.slot;
        rateLimit = {
          limit: decision.limit,
          remaining: decision.remaining,
          resetSeconds: Math.ceil(decision.resetMs / 1000),
          windowSeconds: RATE_LIMIT_WINDOW_MS / 1000,
        };
        if (!decision.allowed) {
          throw new ApiError({
            kind: 'rate_limited',
            code: 'rate_limit_exceeded',
            message: `This API key is limited to ${rpm} generation requests per minute. Retry in ${Math.max(1, rateLimit.resetSeconds)} s.`,
            retryAfterMs: Math.max(1000, decision.resetMs),
            headers: rateLimitHeaders(rateLimit),
          });
        }
      } else if (maxConcurrent !== null) {
        slot = await store.acquire(`concurrency:${apiKeyId}`, maxConcurrent);
      }
      if (maxConcurrent === null) return { rateLimit, release: () => undefined };
      if (slot === undefined) {
        throw new ApiError({
          kind: 'rate_limited',
          code: 'concurrency_limit_exceeded',
          message: `This API key may run ${maxConcurrent} generation${maxConcurrent === 1 ? '' : 's'} at a time, and that many are running. Retry when one finishes.`,
          retryAfterMs: CONCURRENCY_RETRY_MS,
          ...(rateLimit === null ? {} : { headers: rateLimitHeaders(rateLimit) }),
        });
      }
      const held = slot;
      return { rateLimit, release: () => held.release() };
    },
  };
}

/**
 * The `RateLimit-*` headers of the IETF httpapi draft (the `-Limit/-Remaining/-Reset` form most
 * clients read), with the policy: `60;w=60` = 60 requests per 60-second window.
 */
export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'RateLimit-Limit': String(state.limit),
    'RateLimit-Remaining': String(state.remaining),
    'RateLimit-Reset': String(state.resetSeconds),
    'RateLimit-Policy': `${state.limit};w=${state.windowSeconds}`,
  };
}
