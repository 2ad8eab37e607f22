import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The gateway's Prometheus metrics; one registry per app so tests don't share counters. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  generations: Counter<'model' | 'provider' | 'outcome'>;
  generationCostMicros: Counter<'model' | 'provider'>;
  /** Settles whose real cost was above the hold (only the hold was charged). */
  settleAboveHold: Counter<'model' | 'provider'>;
  /** The part of those costs above the hold, in micro-USD: absorbed by the operator. */
  settleAboveHoldMicros: Counter<'model' | 'provider'>;
  images: Counter<'model'>;
  attempts: Counter<'provider' | 'outcome'>;
  /** 1 while Redis answers, 0 while it does not; absent when `REDIS_URL` is unset. */
  redisUp: Gauge;
  /** Shared-state operations served in process because Redis was down or failed, by operation. */
  redisFallbacks: Counter<'operation'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'imagerouter_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'imagerouter_http_requests_total',
      help: 'HTTP requests by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'imagerouter_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    generations: new Counter({
      name: 'imagerouter_generations_total',
      help: 'Finished generations by model, serving provider and outcome',
      labelNames: ['model', 'provider', 'outcome'],
      registers: [registry],
    }),
    generationCostMicros: new Counter({
      name: 'imagerouter_generation_cost_micro_usd_total',
      help: 'Money charged for generations, in micro-USD',
      labelNames: ['model', 'provider'],
      registers: [registry],
    }),
    settleAboveHold: new Counter({
      name: 'imagerouter_settle_above_hold_total',
      help: 'Generations whose real cost was above the credits held for them; only the hold was charged',
      labelNames: ['model', 'provider'],
      registers: [registry],
    }),
    settleAboveHoldMicros: new Counter({
      name: 'imagerouter_settle_above_hold_micros_total',
      help: 'Cost above the hold that was not charged, in micro-USD',
      labelNames: ['model', 'provider'],
      registers: [registry],
    }),
    images: new Counter({
      name: 'imagerouter_images_total',
      help: 'Images delivered',
      labelNames: ['model'],
      registers: [registry],
    }),
    attempts: new Counter({
      name: 'imagerouter_provider_attempts_total',
      help: 'Calls to upstream providers by outcome (ok or error kind)',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    }),
    // Registered only once a Redis connection exists, so a gateway without one shows no such series.
    redisUp: new Gauge({ name: 'imagerouter_redis_up', help: 'Whether Redis (REDIS_URL) answers: 1 up, 0 down', registers: [] }),
    redisFallbacks: new Counter({
      name: 'imagerouter_redis_fallbacks_total',
      help: 'Shared-state operations served in process because Redis was down or failed',
      labelNames: ['operation'],
      registers: [],
    }),
  };
}
