import { UpstreamError } from '../../errors/upstream-error.js';
import type { ProviderImage } from '../provider.js';
import { contentPolicyError, malformedResponse, redactSecrets } from '../common/upstream-error-from-response.js';
import type { Prediction } from './replicate-wire-types.js';

/** Replicate's own API origin: `urls.get` may point there even when the base URL is a proxy. */
const REPLICATE_API_ORIGIN = 'https://api.replicate.com';
const BASE64_DATA_URI = /^data:[^,;]*(?:;[^,;]*)*;base64,([A-Za-z0-9+/=\s]+)$/;

/**
 * The poll or cancel URL of a prediction, only if it is on the configured base URL's origin or on
 * api.replicate.com: the API token goes with it, so a URL from a response body is checked first.
 * Without one, the URL is built from the base URL and the prediction id.
 */
export function trustedPredictionUrl(provider: string, baseUrl: string, given: string | undefined, fallbackPath: string): string {
  if (given === undefined) return `${baseUrl}${fallbackPath}`;
  let origin: string;
  try {
    origin = new URL(given).origin;
  } catch {
    throw malformedResponse(provider, `prediction URL '${given.slice(0, 100)}' is not a URL`);
  }
  if (origin !== new URL(baseUrl).origin && origin !== REPLICATE_API_ORIGIN) {
    throw new UpstreamError({
      provider,
      kind: 'upstream_error',
      message: `The provider '${provider}' pointed at ${origin} to poll a prediction; the API token is only sent to the configured base URL or ${REPLICATE_API_ORIGIN}.`,
    });
  }
  return given;
}

/**
 * Output strings of a prediction: image models return one URL string or a list of them. `null`
 * on a prediction that has not produced them yet (or whose data was removed after an hour).
 */
export function outputStrings(prediction: Prediction): string[] | undefined {
  const { output } = prediction;
  if (typeof output === 'string') return [output];
  if (Array.isArray(output) && output.every((item): item is string => typeof item === 'string')) return output;
  return undefined;
}

/**
 * What a successful prediction produced: URLs (replicate.delivery) for the gateway to download
 * without the token, base64 data URIs kept encoded.
 */
export function imagesOfPrediction(provider: string, prediction: Prediction, secrets: ReadonlyArray<string | undefined>): ProviderImage[] {
  const outputs = outputStrings(prediction);
  if (outputs === undefined) {
    const why = prediction.dataRemoved ? 'its output was already removed (Replicate keeps API outputs for one hour)' : 'it has no output';
    throw new UpstreamError({
      provider,
      kind: 'upstream_error',
      message: `The provider '${provider}' reported prediction ${prediction.id} as succeeded, but ${why}.`,
    });
  }
  if (outputs.length === 0)
    throw new UpstreamError({ provider, kind: 'upstream_error', message: `The provider '${provider}' returned no image.` });
  return outputs.map((output) => {
    const dataUri = BASE64_DATA_URI.exec(output);
    if (dataUri) return { base64: Buffer.from((dataUri[1] ?? '').replace(/\s/g, ''), 'latin1') };
    if (/^https?:\/\//i.test(output)) return { url: output };
    throw malformedResponse(provider, `output '${redactSecrets(output.slice(0, 60), secrets)}' is neither a URL nor a base64 data URI`);
  });
}

/**
 * Refusals end as a created, billed prediction with status `failed` (HTTP 200), not as an HTTP
 * error: the safety checker's `NSFW content detected. ...` or `... flagged as sensitive. (E005)`.
 * Retrying them only buys more refused predictions.
 */
const REFUSAL = /\bE005\b|\bNSFW\b|flagged as sensitive/i;
/**
 * E1001, or PyTorch's own OOM text from models that report raw exceptions: the same input fails
 * the same way again. Looser wording ("might have run out of memory?") is left retryable.
 */
const OUT_OF_MEMORY = /\bE1001\b|CUDA out of memory/i;

/**
 * Failed, canceled or aborted predictions. The `error` is free text; refusals and E1001 are
 * recognised, everything else (E1000 unknown, E6716 start timeout, model crashes) stays a
 * retryable upstream error.
 */
export function predictionFailure(provider: string, prediction: Prediction, secrets: ReadonlyArray<string | undefined>): UpstreamError {
  const { error } = prediction;
  const detail = error ? `: ${redactSecrets(error, secrets).slice(0, 400)}` : '';
  if (prediction.status === 'canceled') {
    return new UpstreamError({
      provider,
      kind: 'upstream_error',
      code: 'prediction_canceled',
      message: `The provider '${provider}' reports that prediction ${prediction.id} was canceled${detail}`,
    });
  }
  if (error !== undefined && REFUSAL.test(error)) return contentPolicyError(provider, error, secrets);
  if (error !== undefined && OUT_OF_MEMORY.test(error)) {
    return new UpstreamError({
      provider,
      kind: 'invalid_request',
      code: 'prediction_out_of_memory',
      message: `The provider '${provider}' ran out of memory on prediction ${prediction.id}; try a smaller size or fewer images${detail}`,
    });
  }
  return new UpstreamError({
    provider,
    kind: 'upstream_error',
    code: `prediction_${prediction.status}`,
    message: `The provider '${provider}' reports that prediction ${prediction.id} failed${detail}`,
  });
}
