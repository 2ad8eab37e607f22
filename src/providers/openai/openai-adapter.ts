import { UpstreamError } from '../../errors/upstream-error.js';
import type { ImageProvider, ProbeResult, ProviderEndpoint, ProviderResult } from '../provider.js';
import { convertMask, prepareInputImage } from '../common/input-image-conversion.js';
import { redactSecrets } from '../common/upstream-error-from-response.js';
import { upstreamFetchChunks } from '../common/upstream-fetch.js';
import { JSON_SCAN_BYTES } from './extract-base64-fields.js';
import { openAIErrorFromResponse, readOpenAIError } from './openai-errors.js';
import { OPENAI_PROVIDER_ID, type OpenAICall } from './openai-parameters.js';
import { buildOpenAIRequest, type OpenAIRequestBody, type PreparedInputs } from './openai-request.js';
import { listOpenAIModels, openAIModelsUrl, requestOpenAIModels } from './openai-model-list.js';
import { readOpenAIImages } from './openai-response.js';
import type { OpenAIRouteOptions, OpenAISettings } from './openai-route-options.js';
import { isRecord } from './openai-wire-types.js';
import { encodeMultipartForm, type MultipartBody } from '../common/multipart-form.js';

/**
 * The OpenAI Images API (`/images/generations`, `/images/edits`): one synchronous request per call,
 * no polling. Errors are mapped from OpenAI's `{error: {message, type, param, code}}`.
 */
export function createOpenAIAdapter(): ImageProvider<OpenAIRouteOptions, OpenAISettings> {
  return {
    id: OPENAI_PROVIDER_ID,
    maxImagesPerCall: (_upstreamModel, options) => options.profile.maxImagesPerCall,
    generate: generateWithOpenAI,
    probe: probeOpenAI,
    listModels: listOpenAIModels,
  };
}

async function generateWithOpenAI(call: OpenAICall): Promise<ProviderResult> {
  const provider = call.endpoint.instance;
  const request = buildOpenAIRequest(call, await prepareInputs(call));
  // Kept in its socket chunks: a 1.9 MB answer is read in place, never joined into one more buffer.
  const response = await upstreamFetchChunks({
    provider,
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: encodeBody(request.body),
    signal: call.signal,
    deadline: call.deadline,
    noteBytes: JSON_SCAN_BYTES,
    ...(call.lendBuffer ? { lendBuffer: call.lendBuffer } : {}),
  });
  if (response.status < 200 || response.status >= 300) {
    const { status, headers, bytes } = response;
    throw openAIErrorFromResponse(provider, { status, headers, body: bytes.join() }, [call.endpoint.apiKey]);
  }
  const result = readOpenAIImages(provider, response.bytes, call.request.images.length > 0);
  return { images: result.images, warnings: request.warnings, ...(result.usage ? { usage: result.usage } : {}) };
}

/**
 * Input images in a format the model takes (EXIF orientation applied), and the client's mask
 * (already OpenAI's convention: alpha 0 = edit) as a PNG at image 1's displayed size.
 */
async function prepareInputs(call: OpenAICall): Promise<PreparedInputs> {
  const { images, mask } = call.request;
  if (images.length === 0) return { images: [], mask: undefined };
  const { profile } = call.options;
  // A model without edits: nothing worth converting, the builder refuses the images with a 400.
  if (profile.maxInputImages === 0) return { images, mask: mask?.bytes };
  const formats = profile.inputFormats;
  const first = images[0]!;
  const [prepared, preparedMask] = await Promise.all([
    Promise.all(images.map((image) => prepareInputImage(image, { formats }))),
    mask ? convertMask(mask, { width: first.width, height: first.height }, 'alpha') : Promise.resolve(undefined),
  ]);
  return { images: prepared, mask: preparedMask };
}

function encodeBody(body: OpenAIRequestBody): string | MultipartBody {
  return body.type === 'json' ? JSON.stringify(body.json) : encodeMultipartForm(body.fields);
}

/** `GET /models`: cheap, authenticated, and it proves the key can see the API. */
async function probeOpenAI(endpoint: ProviderEndpoint<OpenAISettings>, signal: AbortSignal): Promise<ProbeResult> {
  const url = openAIModelsUrl(endpoint);
  try {
    const response = await requestOpenAIModels(endpoint, signal);
    if (response.status === 200) {
      const body = JSON.parse(response.body.toString('utf8')) as unknown;
      const count = isRecord(body) && Array.isArray(body['data']) ? body['data'].length : undefined;
      return { ok: true, detail: `GET ${url} answered 200${count === undefined ? '' : ` (${count} models)`}` };
    }
    const { message, code } = readOpenAIError(response.body);
    const reason = [code, message && redactSecrets(message, [endpoint.apiKey])].filter(Boolean).join(': ');
    return { ok: false, detail: `GET ${url} answered HTTP ${response.status}${reason ? ` (${reason})` : ''}` };
  } catch (error) {
    if (signal.aborted) return { ok: false, detail: `GET ${url} did not answer in time` };
    const reason = error instanceof UpstreamError ? error.message : 'the answer was not JSON';
    return { ok: false, detail: `GET ${url} failed: ${reason}` };
  }
}
