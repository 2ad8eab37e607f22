import { z } from 'zod';
import type { ImageFormat } from '../../domain/image-format.js';
import { routerSettingsSchema } from '../provider-definition.js';

/**
 * The parameter sets OpenAI documents for its image models. OpenAI rejects parameters a model does
 * not take (`response_format` on GPT image models is a 400), so every route names its model's set.
 */
export const OPENAI_MODEL_FAMILIES = ['gpt-image', 'dall-e-3', 'dall-e-2'] as const;
export type OpenAIModelFamily = (typeof OPENAI_MODEL_FAMILIES)[number];

/** What one upstream model accepts: its family's parameter set plus its own limits (from its route's `options:`). */
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
  /** `input_fidelity` on edits (gpt-image-1 and gpt-image-1.5). */
  inputFidelity: boolean;
  /** Whether the model can render a transparent background (gpt-image-2 can't). */
  transparentBackground: boolean;
  /** `complexity` (`low` | `medium` | `high`: how much the model plans before rendering; GPT Image 2.6). */
  complexity: boolean;
}

export const RESPONSE_FORMATS = ['b64_json', 'url'] as const;
export const MODERATIONS = ['auto', 'low'] as const;

/** A route's options as the adapter reads them, computed once at boot. */
export interface OpenAIRouteOptions {
  profile: OpenAIModelProfile;
  /** DALL·E only; default: the instance setting, else `b64_json` (no second download, no expiring URL). */
  responseFormat: (typeof RESPONSE_FORMATS)[number] | undefined;
  /** GPT image models: sent when the client sends none (ImageRouter's service sends `low`). */
  moderation: (typeof MODERATIONS)[number] | undefined;
}

const sizeText = z.string().regex(/^\d+x\d+$/, "must look like '1024x1024'");

/**
 * An OpenAI route's `options:`. Every limit defaults to what the smallest GPT image model takes
 * (three sizes, up to 16 edit inputs, no `input_fidelity`), so an unknown GPT image model works
 * without options and a route only states where its model differs. Strict: a misspelt option
 * stops the boot.
 */
export const openAIRouteOptionsSchema = z
  .strictObject({
    family: z.enum(OPENAI_MODEL_FAMILIES).default('gpt-image'),
    max_images_per_call: z.number().int().min(1).max(10).default(10),
    sizes: z.union([z.literal('flexible'), z.array(sizeText).min(1)]).default(['1024x1024', '1536x1024', '1024x1536']),
    auto_size: z.union([z.literal('auto'), sizeText]).default('auto'),
    max_prompt_length: z.number().int().positive().default(32_000),
    max_input_images: z.number().int().min(0).max(16).default(16),
    input_formats: z.array(z.enum(['png', 'jpeg', 'webp'])).default(['png', 'webp', 'jpeg']),
    input_fidelity: z.boolean().default(false),
    transparent_background: z.boolean().default(true),
    complexity: z.boolean().default(false),
    response_format: z.enum(RESPONSE_FORMATS).optional(),
    moderation: z.enum(MODERATIONS).optional(),
  })
  .transform((options): OpenAIRouteOptions => ({
    profile: {
      family: options.family,
      maxImagesPerCall: options.max_images_per_call,
      sizes: options.sizes,
      autoSize: options.auto_size,
      maxPromptLength: options.max_prompt_length,
      maxInputImages: options.max_input_images,
      inputFormats: options.input_formats,
      gptImageParameters: options.family === 'gpt-image',
      responseFormat: options.family !== 'gpt-image',
      style: options.family === 'dall-e-3',
      inputFidelity: options.input_fidelity,
      transparentBackground: options.transparent_background,
      complexity: options.complexity,
    },
    responseFormat: options.response_format,
    moderation: options.moderation,
  }));

/** Instance settings: the organization and project headers, and defaults for every route. */
export const openAISettingsSchema = routerSettingsSchema.extend({
  organization: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
  response_format: z.enum(RESPONSE_FORMATS).optional(),
  moderation: z.enum(MODERATIONS).optional(),
});
export type OpenAISettings = z.infer<typeof openAISettingsSchema>;
