import { ApiError, invalidParam } from '../errors/api-error.js';
import type { StoredImageReader } from '../storage/stored-image-reader.js';
import { ownStoredFile, type OwnOrigins } from './own-storage-url.js';
import type { InputImage } from '../domain/image-request.js';
import { readInputImage } from '../images/read-input-image.js';
import type { AddressPolicy } from '../net/address-policy.js';
import { DownloadBudget } from '../net/download-budget.js';
import { DownloadError, downloadErrorToApiError } from '../net/download-error.js';
import { downloadImageUrl } from '../net/guarded-download.js';
import type { ImageReference } from './generation-request.js';

/** A request's decoded input images and mask. */
export interface FetchedInputs {
  images: InputImage[];
  mask: InputImage | undefined;
}

/**
 * The use case's port for input images: uploads, data URIs, base64 text and URLs become decoded,
 * validated images. Other sources (our own stored images) plug in here.
 */
export interface ImageFetcher {
  fetch(inputs: { images: readonly ImageReference[]; mask: ImageReference | undefined }, signal: AbortSignal): Promise<FetchedInputs>;
}

export interface ImageFetcherOptions {
  policy: AddressPolicy;
  /** Byte cap of one image, uploaded or downloaded. */
  maxImageBytes: number;
  /** Bytes all URL downloads of one request may take together. */
  maxInputBytes: number;
  /** Timeout of one download. */
  timeoutMs: number;
  /** This gateway's hosted images, read from storage when an input URL names one. */
  ownStorage?: { reader: StoredImageReader; origins: () => OwnOrigins };
}

interface ResolveImageInputOptions {
  policy: AddressPolicy;
  maxBytes: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** One per request, shared by all its inputs: what their URL downloads may take together. */
  budget: DownloadBudget;
  ownStorage: ImageFetcherOptions['ownStorage'];
}

/** Input images through the guarded downloader (URLs) or from the request itself. */
export function createImageFetcher(options: ImageFetcherOptions): ImageFetcher {
  return {
    async fetch(inputs, signal) {
      // Most generations have no input images: no budget, no signals.
      if (inputs.images.length === 0 && inputs.mask === undefined) return { images: [], mask: undefined };
      // One budget per request: a budget shared across requests would let one starve the others.
      const resolve = {
        policy: options.policy,
        maxBytes: options.maxImageBytes,
        timeoutMs: options.timeoutMs,
        signal,
        budget: new DownloadBudget(options.maxInputBytes),
        ownStorage: options.ownStorage,
      };
      const images = await resolveImageInputs(inputs.images, resolve);
      const mask = inputs.mask ? await resolveImageInput(inputs.mask, resolve) : undefined;
      return { images, mask };
    },
  };
}

const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+)?(;[\w-]+=[\w.-]+)*;base64,/i;
const BASE64_TEXT = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Resolves several inputs at once. The first failure fails the request, so it also aborts the
 * downloads still running: none of them keeps a socket open until its own timeout.
 */
async function resolveImageInputs(inputs: readonly ImageReference[], options: ResolveImageInputOptions): Promise<InputImage[]> {
  // Without a sibling there is nothing to abort: no controller, no combined signal.
  if (inputs.length < 2) return Promise.all(inputs.map((input) => resolveImageInput(input, options)));
  const siblings = new AbortController();
  const signal = AbortSignal.any([options.signal, siblings.signal]);
  try {
    return await Promise.all(inputs.map((input) => resolveImageInput(input, { ...options, signal })));
  } catch (error) {
    siblings.abort(error);
    throw error;
  }
}

/** Turns an uploaded file, data URI, base64 text or URL into a decoded, validated input image. */
async function resolveImageInput(input: ImageReference, options: ResolveImageInputOptions): Promise<InputImage> {
  if (input.kind === 'bytes') return readInputImage(input.bytes, input.param);
  const bytes = await bytesOfReference(input.value, input.param, options);
  return readInputImage(bytes, input.param);
}

async function bytesOfReference(value: string, param: string, options: ResolveImageInputOptions): Promise<Buffer> {
  const ownFile = options.ownStorage ? ownStoredFile(value, options.ownStorage.origins()) : undefined;
  if (ownFile !== undefined && options.ownStorage) return storedImageBytes(ownFile, param, options.ownStorage.reader, options);
  if (/^https?:\/\//i.test(value)) {
    try {
      const download = await downloadImageUrl(value, {
        policy: options.policy,
        maxBytes: options.maxBytes,
        timeoutMs: options.timeoutMs,
        budget: options.budget,
        signal: options.signal,
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

/** One of our hosted images: no network and no allowlist, but the same size checks as an upload. */
async function storedImageBytes(
  file: string,
  param: string,
  reader: StoredImageReader,
  options: ResolveImageInputOptions,
): Promise<Buffer> {
  const image = await reader.read(file);
  if (!image) {
    throw invalidParam(
      param,
      `'${param}' names an image on this gateway that does not exist or has expired (images are kept for the retention period).`,
      'image_not_found',
    );
  }
  if (image.bytes.length > options.maxBytes) throw invalidParam(param, `'${param}' is larger than ${options.maxBytes} bytes.`);
  if (!options.budget.take(image.bytes.length)) {
    throw new ApiError({
      kind: 'invalid_request',
      status: 413,
      param,
      code: 'input_too_large',
      message: `'${param}': the request's input images exceed ${options.budget.limit} bytes together (IMAGEROUTER_MAX_INPUT_BYTES).`,
    });
  }
  return image.bytes;
}
