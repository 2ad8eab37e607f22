import type { ImageFormat, OutputFormat } from './image-format.js';

/**
 * A quality tier: `auto`, or one a model lists in `capabilities.qualities` (`low`, `medium`,
 * `high`, and on newer models `xhigh`, `max`, ...). The model's list is what a request is checked
 * against, so a model with new tiers is a catalog edit, not a code change.
 */
export type Quality = string;

/** The tiers most models share, in rising order: what adapters map onto their own knobs. */
export const COMMON_QUALITIES = ['low', 'medium', 'high'] as const;

export const RESPONSE_FORMATS = ['url', 'b64_json', 'b64_ephemeral'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];

export interface ImageSize {
  width: number;
  height: number;
}

/** An input image or mask, already sniffed and decoded far enough to know its size. */
export interface InputImage {
  /** The bytes as received (never re-encoded unless a provider needs it). */
  bytes: Buffer;
  /** Detected from magic bytes, never from a declared content type. */
  format: ImageFormat;
  width: number;
  height: number;
  /** Whether the image has an alpha channel. */
  hasAlpha: boolean;
}

/** A client's image request after parsing and validation: the input of a generation. */
export interface ImageRequest {
  /** Public model id after alias resolution. */
  model: string;
  prompt: string | undefined;
  quality: Quality;
  /** `auto` or exact pixel dimensions. */
  size: ImageSize | 'auto';
  /** Number of images wanted, >= 1. */
  n: number;
  responseFormat: ResponseFormat;
  outputFormat: OutputFormat;
  /** Input images for editing, in order (image 1 is the one a mask applies to). */
  images: InputImage[];
  mask: InputImage | undefined;
  /**
   * OpenAI parameters the gateway does not interpret itself (`user`, `style`, `background`,
   * `output_compression`, ...): passed to routes that support them, else reported as warnings.
   * Those the gateway knows as numbers or booleans (`seed`, `prompt_upsampling`, ...) are already
   * typed, even when a multipart form carried them as text; the rest are as the client sent them.
   */
  extra: Record<string, unknown>;
}

/** A setting that was adapted or could not be honoured, reported to the client and recorded. */
export interface GenerationWarning {
  /** `deprecated`: the model is served but has a retirement date (`setting: 'model'`). */
  type: 'unsupported' | 'adapted' | 'deprecated' | 'other';
  /** The request parameter concerned, e.g. `style`. */
  setting?: string;
  /** Provider id, when the warning comes from one route. */
  provider?: string;
  message: string;
}
