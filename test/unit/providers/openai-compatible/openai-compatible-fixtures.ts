import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { openAICompatibleProvider } from '../../../../src/providers/openai-compatible/openai-compatible-provider.js';
import type {
  FormValue,
  OpenAICompatibleCall,
  OpenAICompatibleHttpRequest,
  PreparedImage,
  PreparedInputs,
} from '../../../../src/providers/openai-compatible/openai-compatible-request.js';
import { parsedCall, timeLimit } from '../../../helpers/provider-call.js';

export const API_KEY = 'unit-test-key-0123456789abcdef';

/** Base URLs as operators configure them, per flavor. */
export const BASE_URLS: Record<string, string> = {
  generic: 'http://images.internal:9000/v1',
  localai: 'http://localai:8080/v1',
  vllm: 'http://vllm:8000/v1',
  sglang: 'http://sglang:30000/v1',
  azure: 'https://res.openai.azure.com/openai/deployments/gpt-image-1',
  xai: 'https://api.x.ai/v1',
  together: 'https://api.together.xyz/v1',
  deepinfra: 'https://api.deepinfra.com/v1/openai',
};

export interface CallOverrides {
  request?: Partial<ImageRequest>;
  settings?: Record<string, unknown>;
  options?: Record<string, unknown>;
  baseUrl?: string;
  apiKey?: string | undefined;
  upstreamModel?: string;
  n?: number;
}

/** A call to the instance named after its flavor (`xai`, `azure`, ...), options and settings parsed as at boot. */
export function callFor(flavor: string, overrides: CallOverrides = {}): OpenAICompatibleCall {
  return parsedCall(openAICompatibleProvider, {
    request: { model: 'acme/model', prompt: 'a lighthouse on a cliff at dawn', ...overrides.request },
    upstreamModel: overrides.upstreamModel ?? 'upstream-model',
    n: overrides.n,
    ...timeLimit(10_000),
    options: overrides.options,
    endpoint: {
      instance: flavor,
      baseUrl: overrides.baseUrl ?? BASE_URLS[flavor] ?? 'http://upstream',
      apiKey: 'apiKey' in overrides ? overrides.apiKey : API_KEY,
      settings: { flavor, ...overrides.settings },
    },
  });
}

/** Stand-in bytes: the builder never looks inside images, so their text shows up in assertions. */
export const imageOne: PreparedImage = { bytes: Buffer.from('image-one'), format: 'png' };
export const imageTwo: PreparedImage = { bytes: Buffer.from('image-two'), format: 'jpeg' };
export const imageThree: PreparedImage = { bytes: Buffer.from('image-three'), format: 'webp' };
export const maskBytes = Buffer.from('mask-bytes');
export const noInputs: PreparedInputs = { images: [], mask: undefined };

/** An `InputImage` for `request.images` (the builder reads only its presence). */
export function inputImage(width = 64, height = 64): InputImage {
  return { bytes: Buffer.from('input'), format: 'png', width, height, hasAlpha: false };
}

export const dataUriOf = (image: PreparedImage) => `data:image/${image.format};base64,${image.bytes.toString('base64')}`;

export const jsonHeaders = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', accept: 'application/json' };

export function jsonBody(request: OpenAICompatibleHttpRequest): Record<string, unknown> {
  if (request.body.type !== 'json') throw new Error('expected a JSON body');
  return request.body.value;
}

/** Form fields with files shown as `file:<name>:<type>:<content>` so one assertion covers them. */
export function formFields(request: OpenAICompatibleHttpRequest): Array<[string, string]> {
  if (request.body.type !== 'form') throw new Error('expected a form body');
  return request.body.fields.map(([name, value]: [string, FormValue]) => [
    name,
    typeof value === 'string' ? value : `file:${value.filename}:${value.contentType}:${value.bytes.toString()}`,
  ]);
}
