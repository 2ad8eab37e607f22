import { UpstreamError } from '../../errors/upstream-error.js';
import type { ProviderImage, ProviderResult } from '../provider.js';
import { contentPolicyError, malformedResponse, redactSecrets } from '../common/upstream-error-from-response.js';
import { readGeminiResponse, type GeminiResponse, type GeminiUsage } from './gemini-wire-types.js';

/**
 * Finish reasons that refuse the request under Google's policies. Asking again (here or elsewhere)
 * would only shop the same prompt around, so they are content-policy errors, not retries.
 * RECITATION (reproducing protected material) is as final as a safety block.
 */
export const POLICY_FINISH_REASONS: ReadonlySet<string> = new Set([
  'SAFETY',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/** How much of the model's own text (when it talked instead of drawing) goes into an error message. */
const MAX_TEXT_IN_MESSAGE = 200;

/**
 * The images and token usage of a 200 `generateContent` body. HTTP 200 does not mean an image:
 * a blocked prompt (`promptFeedback.blockReason`) or a policy finish reason is a content-policy
 * error; no image for any other reason (`NO_IMAGE`, `OTHER`, a text-only `STOP`) is a retryable
 * upstream error. At most `wanted` images are returned.
 */
export function geminiResult(
  provider: string,
  body: unknown,
  wanted: number,
  secrets: ReadonlyArray<string | undefined>,
): Pick<ProviderResult, 'images' | 'usage'> {
  const response = readGeminiResponse(body);
  if (!response) throw malformedResponse(provider, 'the body is not a JSON object');
  if (response.blockReason) {
    const detail = response.blockReasonMessage ? `: ${response.blockReasonMessage}` : '';
    throw contentPolicyError(provider, `the prompt was blocked (${response.blockReason})${detail}`, secrets);
  }
  const images: ProviderImage[] = response.candidates
    .flatMap((candidate) => candidate.images)
    .slice(0, wanted)
    .map((image) => ({ base64: Buffer.from(image.data, 'latin1') }));
  if (images.length > 0) {
    const usage = usageOf(response.usage);
    return usage ? { images, usage } : { images };
  }
  throw noImageError(provider, response, secrets);
}

function noImageError(provider: string, response: GeminiResponse, secrets: ReadonlyArray<string | undefined>): UpstreamError {
  if (response.candidates.length === 0) return malformedResponse(provider, 'no candidates and no block reason');
  const policy = response.candidates.find(
    (candidate) => candidate.finishReason !== undefined && POLICY_FINISH_REASONS.has(candidate.finishReason),
  );
  if (policy) {
    const detail = policy.finishMessage ? `: ${policy.finishMessage}` : '';
    return contentPolicyError(provider, `no image was returned (finishReason ${policy.finishReason})${detail}`, secrets);
  }
  const first = response.candidates[0]!;
  const said = first.text ? `; the model replied: "${redactSecrets(first.text, secrets).slice(0, MAX_TEXT_IN_MESSAGE)}"` : '';
  return new UpstreamError({
    provider,
    kind: 'upstream_error',
    message: `The provider '${provider}' returned no image (finishReason ${first.finishReason ?? 'missing'})${said}.`,
  });
}

/**
 * Token usage for `tokens` pricing. Without per-modality details the whole prompt counts as text
 * and the whole output as image tokens (an over- rather than an under-estimate). Thought tokens
 * and written text are billed by Google as output text.
 */
export function usageOf(usage: GeminiUsage | undefined): ProviderResult['usage'] {
  if (!usage) return undefined;
  const hasPromptDetails = Object.keys(usage.promptByModality).length > 0;
  const inputTextTokens = hasPromptDetails ? usage.promptByModality['TEXT'] : usage.promptTokenCount;
  const inputImageTokens = usage.promptByModality['IMAGE'];
  const outputImageTokens = usage.candidatesByModality['IMAGE'] ?? usage.candidatesTokenCount;
  const writtenText = usage.candidatesByModality['IMAGE'] === undefined ? undefined : usage.candidatesByModality['TEXT'];
  const outputTextTokens =
    usage.thoughtsTokenCount === undefined && writtenText === undefined ? undefined : (usage.thoughtsTokenCount ?? 0) + (writtenText ?? 0);
  if (inputTextTokens === undefined && inputImageTokens === undefined && outputImageTokens === undefined) return undefined;
  return {
    ...(outputTextTokens === undefined ? {} : { outputTextTokens }),
    ...(inputTextTokens === undefined ? {} : { inputTextTokens }),
    ...(inputImageTokens === undefined ? {} : { inputImageTokens }),
    ...(outputImageTokens === undefined ? {} : { outputImageTokens }),
  };
}
