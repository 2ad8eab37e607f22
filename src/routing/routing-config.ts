import { z } from 'zod';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { DEFAULT_BREAKER_OPTIONS } from './circuit-breaker.js';

/** The config file's `routing:` section: the router's knobs, all optional. */
const routingSectionSchema = z.strictObject({
  max_retries: z.number().int().min(0).max(10).optional(),
  backoff_base_ms: z.number().int().positive().optional(),
  backoff_max_ms: z.number().int().positive().optional(),
  max_retry_after_ms: z.number().int().min(0).optional(),
  circuit_breaker: z
    .strictObject({
      failure_threshold: z.number().int().positive().optional(),
      open_ms: z.number().int().positive().optional(),
    })
    .optional(),
});

export interface RoutingConfig {
  backoff: BackoffPolicy;
  breaker: typeof DEFAULT_BREAKER_OPTIONS;
}

export class RoutingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoutingConfigError';
  }
}

export function parseRoutingConfig(section: unknown, configFile = 'IMAGEROUTER_CONFIG'): RoutingConfig {
  const parsed = routingSectionSchema.safeParse(section ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RoutingConfigError(
      `${configFile}: routing${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const value = parsed.data;
  return {
    backoff: {
      maxRetries: value.max_retries ?? DEFAULT_BACKOFF.maxRetries,
      baseMs: value.backoff_base_ms ?? DEFAULT_BACKOFF.baseMs,
      maxMs: value.backoff_max_ms ?? DEFAULT_BACKOFF.maxMs,
      maxRetryAfterMs: value.max_retry_after_ms ?? DEFAULT_BACKOFF.maxRetryAfterMs,
    },
    breaker: {
      failureThreshold: value.circuit_breaker?.failure_threshold ?? DEFAULT_BREAKER_OPTIONS.failureThreshold,
      openMs: value.circuit_breaker?.open_ms ?? DEFAULT_BREAKER_OPTIONS.openMs,
    },
  };
}
