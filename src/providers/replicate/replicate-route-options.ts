import { z } from 'zod';
import { UpstreamError } from '../../errors/upstream-error.js';
import { REPLICATE_PROFILES, resolveProfile, type ReplicateModelProfile } from './replicate-model-profiles.js';

/** Between polls of a running prediction. Replicate allows 3000 GETs a minute; its JS client polls every 500 ms. */
export const DEFAULT_POLL_INTERVAL_MS = 1000;
/** `Prefer: wait=N` accepts at most 60 seconds. */
export const MAX_WAIT_SECONDS = 60;

const pollIntervalMs = z.number().int().min(1).max(60_000);
const waitSeconds = z.number().int().min(0).max(MAX_WAIT_SECONDS);

/** Route `options` (catalog): unknown keys are refused, so a misspelt option is not silently ignored. */
const routeOptionsSchema = z.strictObject({
  /** Input profile (`flux-schnell`, `flux-dev`, `sdxl`, `sd3.5`, `photon`); default: by model name. */
  profile: z.string().optional(),
  poll_interval_ms: pollIntervalMs.optional(),
  /** Longest sync wait (`Prefer: wait=N`); 0 sends no `Prefer` and polls from the start. */
  wait_seconds: waitSeconds.optional(),
  /** Hardware price of a community model: the cost is `metrics.predict_time` × this. */
  usd_per_second: z.number().positive().optional(),
});

/** Instance `settings` (config file): only the timing knobs; other keys belong to other code. */
const settingsSchema = z.object({ poll_interval_ms: pollIntervalMs.optional(), wait_seconds: waitSeconds.optional() });

export interface ReplicateRouteOptions {
  profile: ReplicateModelProfile;
  pollIntervalMs: number;
  /** Upper bound of the sync wait, before the deadline shortens it. */
  waitSeconds: number;
  usdPerSecond: number | undefined;
}

/**
 * The route's options merged over the instance settings. A bad value is the operator's mistake:
 * an `internal` error naming the option, not a request error blamed on the client.
 */
export function readRouteOptions(instance: string, upstreamModel: string, options: Record<string, unknown>, settings: Record<string, unknown>): ReplicateRouteOptions {
  const route = routeOptionsSchema.safeParse(options);
  if (!route.success) throw configError(instance, `invalid route option ${describeIssue(route.error)}`);
  const instanceSettings = settingsSchema.safeParse(settings);
  if (!instanceSettings.success) throw configError(instance, `invalid instance setting ${describeIssue(instanceSettings.error)}`);
  const profile = resolveProfile(upstreamModel, route.data.profile);
  if (!profile) {
    const known = REPLICATE_PROFILES.map((candidate) => candidate.name).join(', ');
    const what = route.data.profile === undefined ? `no default input profile for '${upstreamModel}'` : `unknown input profile '${route.data.profile}'`;
    throw configError(instance, `${what}: set the route option 'profile' to one of ${known}`);
  }
  return {
    profile,
    pollIntervalMs: route.data.poll_interval_ms ?? instanceSettings.data.poll_interval_ms ?? DEFAULT_POLL_INTERVAL_MS,
    waitSeconds: route.data.wait_seconds ?? instanceSettings.data.wait_seconds ?? MAX_WAIT_SECONDS,
    usdPerSecond: route.data.usd_per_second,
  };
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `'${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}`;
}

function configError(instance: string, message: string): UpstreamError {
  return new UpstreamError({ provider: instance, kind: 'internal', code: 'provider_misconfigured', message: `Replicate route misconfigured on '${instance}': ${message}.` });
}
