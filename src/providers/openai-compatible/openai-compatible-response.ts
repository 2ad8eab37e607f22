import type { ProviderImage, ProviderResult } from '../provider.js';
import { contentPolicyError, malformedResponse } from '../common/upstream-error-from-response.js';
import { parseJsonBody } from '../common/upstream-fetch.js';
import { imagesResponseSchema, parseUsage } from './openai-compatible-wire-types.js';

/** xAI reports cost in ticks: 10,000,000,000 ticks = 1 USD, so 10,000 ticks = 1 micro-USD. */
export const TICKS_PER_MICRO_USD = 10_000;
/** A data URI prefix some servers leave on `b64_json`. */
const DATA_URI_PREFIX = /^data:[^,]*;base64,/;

/** The images of one upstream answer, with the cost or token usage it reported. */
export interface ParsedImages {
  images: ProviderImage[];
  reportedCostMicros: number | undefined;
  usage: ProviderResult['usage'];
}

/**
 * Reads a 200 answer: `data[]` items with `b64_json` (kept as base64 text, for pass-through) or a
 * `url` (downloaded by the gateway, without credentials). xAI's `respect_moderation: false` is a
 * content-policy refusal even though the status is 200.
 */
export function parseImagesResponse(provider: string, body: Buffer): ParsedImages {
  const json = parseJsonBody(body);
  if (json === undefined) throw malformedResponse(provider, 'the body is not JSON');
  const parsed = imagesResponseSchema.safeParse(json);
  if (!parsed.success) throw malformedResponse(provider, "the body has no 'data' list of images");
  const items = parsed.data.data;
  if (items.some((item) => item.respect_moderation === false)) {
    throw contentPolicyError(provider, 'the generated image was blocked by its moderation (respect_moderation: false)');
  }
  const images = items.map((item, index) => imageOf(item, index, provider));
  if (images.length === 0) throw malformedResponse(provider, 'the data list is empty');
  const usage = parseUsage(parsed.data.usage);
  const ticks = usage?.cost_in_usd_ticks ?? undefined;
  const outputTokens = usage?.output_tokens ?? 0;
  return {
    images,
    // Rounded up: a fraction of a micro-USD is still owed.
    reportedCostMicros: ticks === undefined ? undefined : Math.ceil(ticks / TICKS_PER_MICRO_USD),
    // LocalAI sends all-zero usage: only real counts are usage.
    usage:
      outputTokens > 0
        ? {
            inputTextTokens: usage?.input_tokens_details?.text_tokens ?? usage?.input_tokens ?? 0,
            inputImageTokens: usage?.input_tokens_details?.image_tokens ?? 0,
            outputImageTokens: outputTokens,
          }
        : undefined,
  };
}

function imageOf(
  item: { b64_json?: string | null | undefined; url?: string | null | undefined },
  index: number,
  provider: string,
): ProviderImage {
  if (item.b64_json) return { base64: Buffer.from(item.b64_json.replace(DATA_URI_PREFIX, ''), 'latin1') };
  if (item.url) return { url: item.url };
  throw malformedResponse(provider, `image ${index + 1} has neither 'b64_json' nor 'url'`);
}
