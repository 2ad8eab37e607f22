import { ApiError } from '../../errors/api-error.js';
import type { ImageFormat } from '../../domain/image-format.js';

/**
 * The parameter sets of OpenAI's image models. OpenAI rejects parameters a model does not take
 * (`response_format` on GPT image models is a 400), so the request builder must know which set a
 * route's upstream model belongs to.
 */
export const OPENAI_MODEL_FAMILIES = ['dall-e-2', 'dall-e-3', 'gpt-image', 'gpt-image-mini', 'gpt-image-2'] as const;
export type OpenAIModelFamily = (typeof OPENAI_MODEL_FAMILIES)[number];

/** What one family accepts (wire-format reference: /work/shared/providers/openai.md §3). */
export interface OpenAIModelProfile {
  family: OpenAIModelFamily;
  /** `n` one request may ask for; dall-e-3 answers only `n=1`, the gateway fans out above it. */
  maxImagesPerCall: number;
  /** The sizes the model accepts, or `flexible` for gpt-image-2's rule-based sizes. */
  sizes: ReadonlyArray<string> | 'flexible';
  /** What `size: auto` is sent as: DALL·E refuses `auto`, its own default is 1024x1024. */
  autoSize: string;
  maxPromptLength: number;
  /** Input images one edit takes (0: no edits). */
  maxInputImages: number;
  /** Input formats the edit endpoint takes; others are re-encoded first. */
  inputFormats: ReadonlyArray<ImageFormat>;
  /** GPT image models: `output_format`, `output_compression`, `background`, `moderation`. */
  gptImageParameters: boolean;
  /** DALL·E: `response_format` (GPT image models always answer base64 and refuse the field). */
  responseFormat: boolean;
  /** dall-e-3 `style` (`vivid` | `natural`). */
  style: boolean;
  /** `input_fidelity` on edits: gpt-image-1 and gpt-image-1.5 only. */
  inputFidelity: boolean;
  /** gpt-image-2 can't render a transparent background. */
  transparentBackground: boolean;
}

/** Edit inputs of GPT image models: PNG, WebP or JPEG (wire reference §3.2). */
const GPT_IMAGE_INPUT_FORMATS: ReadonlyArray<ImageFormat> = ['png', 'webp', 'jpeg'];
export const GPT_IMAGE_SIZES = ['1024x1024', '1536x1024', '1024x1536'] as const;
/** Most input images of one GPT image edit. */
const MAX_GPT_IMAGE_INPUTS = 16;
const MAX_GPT_IMAGE_N = 10;
const MAX_GPT_IMAGE_PROMPT = 32_000;

const GPT_IMAGE: OpenAIModelProfile = {
  family: 'gpt-image',
  maxImagesPerCall: MAX_GPT_IMAGE_N,
  sizes: GPT_IMAGE_SIZES,
  autoSize: 'auto',
  maxPromptLength: MAX_GPT_IMAGE_PROMPT,
  maxInputImages: MAX_GPT_IMAGE_INPUTS,
  inputFormats: GPT_IMAGE_INPUT_FORMATS,
  gptImageParameters: true,
  responseFormat: false,
  style: false,
  inputFidelity: true,
  transparentBackground: true,
};

export const OPENAI_MODEL_PROFILES: Readonly<Record<OpenAIModelFamily, OpenAIModelProfile>> = {
  'dall-e-2': {
    family: 'dall-e-2',
    maxImagesPerCall: 10,
    sizes: ['256x256', '512x512', '1024x1024'],
    autoSize: '1024x1024',
    maxPromptLength: 1000,
    // One square PNG; without a mask its own transparency marks the area to edit.
    maxInputImages: 1,
    inputFormats: ['png'],
    gptImageParameters: false,
    responseFormat: true,
    style: false,
    inputFidelity: false,
    transparentBackground: false,
  },
  'dall-e-3': {
    family: 'dall-e-3',
    maxImagesPerCall: 1,
    sizes: ['1024x1024', '1792x1024', '1024x1792'],
    autoSize: '1024x1024',
    maxPromptLength: 4000,
    maxInputImages: 0,
    inputFormats: [],
    gptImageParameters: false,
    responseFormat: true,
    style: true,
    inputFidelity: false,
    transparentBackground: false,
  },
  'gpt-image': GPT_IMAGE,
  'gpt-image-mini': { ...GPT_IMAGE, family: 'gpt-image-mini', inputFidelity: false },
  'gpt-image-2': { ...GPT_IMAGE, family: 'gpt-image-2', sizes: 'flexible', inputFidelity: false, transparentBackground: false },
};

/**
 * OpenAI's upstream model names, each with its family. An exact table rather than prefix rules: a
 * new name is added here (or given `options.family` in its route) instead of guessed.
 */
const FAMILY_BY_MODEL: Readonly<Record<string, OpenAIModelFamily>> = {
  'dall-e-2': 'dall-e-2',
  'dall-e-3': 'dall-e-3',
  'gpt-image-1': 'gpt-image',
  'gpt-image-1.5': 'gpt-image',
  'chatgpt-image-latest': 'gpt-image',
  'gpt-image-1-mini': 'gpt-image-mini',
  'gpt-image-2': 'gpt-image-2',
  'gpt-image-2-2026-04-21': 'gpt-image-2',
};

/**
 * The parameter set of a route's upstream model: `options.family` when the route names one, else
 * the table above, else `gpt-image-mini` (the set every GPT image model accepts: three fixed sizes,
 * no `input_fidelity`).
 */
export function openAIModelProfile(upstreamModel: string, options: Record<string, unknown>): OpenAIModelProfile {
  const configured = options['family'];
  if (configured !== undefined) {
    if (typeof configured === 'string' && (OPENAI_MODEL_FAMILIES as ReadonlyArray<string>).includes(configured)) {
      return OPENAI_MODEL_PROFILES[configured as OpenAIModelFamily];
    }
    throw new ApiError({
      kind: 'internal',
      message: `The route option 'family' of the OpenAI model '${upstreamModel}' must be one of ${OPENAI_MODEL_FAMILIES.join(', ')}; got ${JSON.stringify(configured)}.`,
    });
  }
  return OPENAI_MODEL_PROFILES[FAMILY_BY_MODEL[upstreamModel] ?? 'gpt-image-mini'];
}
