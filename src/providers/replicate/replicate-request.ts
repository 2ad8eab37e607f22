import { UpstreamError } from '../../errors/upstream-error.js';
import type { GenerationWarning } from '../../domain/image-request.js';
import type { ProviderCall } from '../provider.js';
import { buildModelInput, type PreparedInputs } from './replicate-model-inputs.js';
import type { ReplicateModelProfile, ReplicateRouteOptions, ReplicateSettings, ResolvedReplicateRoute } from './replicate-route-options.js';

export type { PreparedInputs } from './replicate-model-inputs.js';

/** `Cancel-After` refuses lifetimes under 5 seconds. */
const MIN_CANCEL_AFTER_SECONDS = 5;
/** `owner/name`, optionally `:version`; no slashes or spaces inside a part. */
const MODEL_NAME = /^([^/:\s]+)\/([^/:\s]+)(?::([^/:\s]+))?$/;

export type ReplicateCall = ProviderCall<ReplicateRouteOptions, ReplicateSettings>;

/** One create-prediction request, ready to send. */
export interface ReplicateRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: { version?: string; input: Record<string, unknown> };
  warnings: GenerationWarning[];
}

/**
 * The create-prediction request of one call. Pure: images come prepared, and `now` fixes how much
 * of the deadline is left for the sync wait.
 *
 * - `owner/name` → `POST {base}/models/owner/name/predictions` (official models, no version).
 * - `owner/name:version` → `POST {base}/predictions` with `version` (community models such as SDXL).
 * - `Prefer: wait=N` holds the request until the prediction ends, at most 60 s and never past the
 *   deadline; `Cancel-After` makes Replicate stop it (and its billing) at the deadline even if our
 *   cancel never arrives.
 */
export function buildReplicateRequest(
  call: ReplicateCall,
  route: ResolvedReplicateRoute,
  prepared: PreparedInputs,
  now: number,
): ReplicateRequest {
  const model = MODEL_NAME.exec(call.upstreamModel);
  if (!model) {
    throw new UpstreamError({
      provider: call.endpoint.instance,
      kind: 'internal',
      code: 'provider_misconfigured',
      message: `Replicate route misconfigured on '${call.endpoint.instance}': model '${call.upstreamModel}' is not 'owner/name' or 'owner/name:version'.`,
    });
  }
  const [, owner = '', name = '', version] = model;
  const { input, warnings } = buildModelInput(call.request, call.n, route.profile, prepared, call.endpoint.instance);
  const remainingMs = call.deadline - now;
  const waitSeconds = Math.min(route.waitSeconds, Math.floor(remainingMs / 1000));
  const headers: Record<string, string> = {
    ...(call.endpoint.apiKey === undefined ? {} : { authorization: `Bearer ${call.endpoint.apiKey}` }),
    'content-type': 'application/json',
    ...(waitSeconds >= 1 ? { prefer: `wait=${waitSeconds}` } : {}),
    'cancel-after': `${Math.max(MIN_CANCEL_AFTER_SECONDS, Math.ceil(remainingMs / 1000))}s`,
  };
  if (version !== undefined) {
    return { url: `${call.endpoint.baseUrl}/predictions`, method: 'POST', headers, body: { version, input }, warnings };
  }
  const url = `${call.endpoint.baseUrl}/models/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/predictions`;
  return { url, method: 'POST', headers, body: { input }, warnings };
}

/** Images one prediction yields: the model's count input caps it, else one. */
export function imagesPerPrediction(profile: ReplicateModelProfile): number {
  return profile.count?.max ?? 1;
}
