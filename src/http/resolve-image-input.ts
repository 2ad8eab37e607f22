import { invalidParam } from '../errors/api-error.js';
import type { InputImage } from '../domain/image-request.js';
import { readInputImage } from '../images/read-input-image.js';
import type { AddressPolicy } from '../net/address-policy.js';
import type { DownloadBudget } from '../net/download-budget.js';
import { DownloadError, downloadErrorToApiError } from '../net/download-error.js';
import { downloadImageUrl } from '../net/guarded-download.js';
import type { RawImageInput } from './read-image-body.js';

export interface ResolveImageInputOptions {
  policy: AddressPolicy;
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** One per request, shared by all its inputs: what their URL downloads may take together. */
  budget: DownloadBudget;
}

const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+)?(;[\w-]+=[\w.-]+)*;base64,/i;
const BASE64_TEXT = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Resolves several inputs at once. The first failure fails the request, so it also aborts the
 * downloads still running: none of them keeps a socket open until its own timeout.
 */
export async function resolveImageInputs(inputs: readonly RawImageInput[], options: ResolveImageInputOptions): Promise<InputImage[]> {
  const siblings = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, siblings.signal]) : siblings.signal;
  try {
    return await Promise.all(inputs.map((input) => resolveImageInput(input, { ...options, signal })));
  } catch (error) {
    siblings.abort(error);
    throw error;
  }
}

/** Turns an uploaded file, data URI, base64 text or URL into a decoded, validated input image. */
export async function resolveImageInput(input: RawImageInput, options: ResolveImageInputOptions): Promise<InputImage> {
  if (input.kind === 'bytes') return readInputImage(input.bytes, input.param);
  const bytes = await bytesOfReference(input.value, input.param, options);
  return readInputImage(bytes, input.param);
}

async function bytesOfReference(value: string, param: string, options: ResolveImageInputOptions): Promise<Buffer> {
  if (/^https?:\/\//i.test(value)) {
    try {
      const download = await downloadImageUrl(value, {
        policy: options.policy,
        maxBytes: options.maxBytes,
        timeoutMs: options.timeoutMs,
        budget: options.budget,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return download.bytes;
    } catch (error) {
      if (error instanceof DownloadError) throw downloadErrorToApiError(error, param);
      throw error;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) && !value.toLowerCase().startsWith('data:')) {
    throw invalidParam(param, `'${param}' must be a data URI, base64 text or an http(s) URL; other URL schemes are not allowed.`);
  }
  const match = DATA_URI.exec(value);
  if (value.toLowerCase().startsWith('data:') && !match) {
    throw invalidParam(param, `'${param}' is a data URI but not a base64 one (expected 'data:image/png;base64,...').`);
  }
  const text = (match ? value.slice(match[0].length) : value).replace(/\s+/g, '');
  // Base64 is 4/3 of the bytes: refuse before allocating anything huge.
  if (text.length > Math.ceil((options.maxBytes * 4) / 3) + 4) {
    throw invalidParam(param, `'${param}' is larger than ${options.maxBytes} bytes.`);
  }
  if (text.length === 0 || !BASE64_TEXT.test(text)) {
    throw invalidParam(param, `'${param}' is not valid base64 image data, a data URI or an http(s) URL.`);
  }
  return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
}
