import { base64Length } from '../../domain/base64-text.js';
import type { ProviderImage, ProviderResult } from '../provider.js';
import type { ChunkedBytes } from '../common/chunked-bytes.js';
import { malformedResponse } from '../common/upstream-error-from-response.js';
import { base64Value, parseJsonWithBase64 } from './extract-base64-fields.js';
import { isRecord, text, tokenCount, type OpenAIImagesResponse, type OpenAIUsage } from './openai-wire-types.js';

export interface OpenAIImagesResult {
  images: ProviderImage[];
  usage: ProviderResult['usage'];
}

/**
 * Reads a 200 `ImagesResponse`: `b64_json` values as base64 bytes sliced from the body (never
 * decoded or copied here), `url` values for the gateway to download, and the token usage.
 */
export function readOpenAIImages(provider: string, body: ChunkedBytes, hadInputImages: boolean): OpenAIImagesResult {
  const parsed = parseJsonWithBase64(body, 'b64_json');
  if (!parsed) throw malformedResponse(provider, 'the body is not JSON');
  const response: unknown = parsed.json;
  if (!isRecord(response)) throw malformedResponse(provider, 'the body is not a JSON object');
  const { data, usage }: OpenAIImagesResponse = response;
  if (!Array.isArray(data)) throw malformedResponse(provider, "the body has no 'data' array");
  const images = data.map((item, index): ProviderImage => {
    if (isRecord(item)) {
      const revised = text(item['revised_prompt']);
      const revisedPrompt = revised ? { revisedPrompt: revised } : {};
      const base64 = base64Value(item['b64_json'], parsed.values);
      if (base64 && base64Length(base64) > 0) return { base64, ...revisedPrompt };
      const url = text(item['url']);
      if (url) return { url, ...revisedPrompt };
    }
    throw malformedResponse(provider, `data[${index}] has neither 'b64_json' nor 'url'`);
  });
  return { images, usage: isRecord(usage) ? readUsage(usage, hadInputImages) : undefined };
}

/**
 * `usage` → the gateway's token counts. Input tokens are split by `input_tokens_details`; without
 * it, all input counts as image tokens when images were sent (the dearer rate: never undercharge)
 * and as text otherwise. Output is all of `output_tokens`, billed at the image-output rate (GPT
 * image models bill output text tokens, when any, below that rate). Without `output_tokens` the
 * usage is ignored and the route's per-image estimate is charged instead.
 */
function readUsage(usage: OpenAIUsage, hadInputImages: boolean): ProviderResult['usage'] {
  const output = tokenCount(usage.output_tokens);
  // Usage without output tokens would price the images at $0: leave it to the route's estimate.
  if (output === undefined) return undefined;
  const details = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : undefined;
  const input = tokenCount(usage.input_tokens);
  const inputText = tokenCount(details?.text_tokens);
  const inputImage = tokenCount(details?.image_tokens);
  const result: NonNullable<ProviderResult['usage']> = {};
  if (inputText !== undefined || inputImage !== undefined) {
    if (inputText !== undefined) result.inputTextTokens = inputText;
    if (inputImage !== undefined) result.inputImageTokens = inputImage;
  } else if (input !== undefined) {
    if (hadInputImages) result.inputImageTokens = input;
    else result.inputTextTokens = input;
  }
  result.outputImageTokens = output;
  return result;
}
