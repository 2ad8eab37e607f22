import { z } from 'zod';
import { OUTPUT_TYPES, SORT_KEYS } from '../catalog/models-query.js';
import { OUTPUT_FORMATS } from '../domain/image-format.js';
import { MAX_N } from '../generation/image-request-schema.js';

/**
 * Input and output shapes of the MCP tools. Values whose validity depends on the model (`size`,
 * `n`, image counts) stay loose here: the use case checks them against the model and its message,
 * the same as over HTTP, reaches the agent as a tool error.
 */

const imageOptions = {
  model: z.string().describe("Model id or alias from list_models, e.g. 'test/test' (free, local) or 'openai/gpt-image-1'."),
  size: z
    .string()
    .optional()
    .describe(
      "'auto' (default) or WIDTHxHEIGHT, e.g. '1024x1024'. Checked against the model: an unsupported size is an error listing the allowed ones.",
    ),
  quality: z
    .string()
    .optional()
    .describe(
      "'auto' (default) or one of the model's qualities (list_models: capabilities.qualities), e.g. 'low', 'medium', 'high'; newer models add 'xhigh' and 'max'.",
    ),
  n: z.number().int().min(1).max(MAX_N).optional().describe("Number of images (default 1), up to the model's maximum."),
  output_format: z
    .enum(OUTPUT_FORMATS)
    .optional()
    .describe("Format of the hosted image: 'webp' (default), 'png' or 'jpeg'; 'svg' (the default there) from vector models only."),
};

export const generateImageInput = {
  prompt: z.string().describe('What to draw.'),
  ...imageOptions,
};

export const editImageInput = {
  prompt: z.string().optional().describe('How to change the images. Optional for models that need none (e.g. upscalers).'),
  ...imageOptions,
  images: z
    .array(z.string())
    .min(1)
    .describe(
      "Input images, in order: http(s) URLs (including this gateway's own hosted URLs returned by generate_image or edit_image), data URIs or bare base64. Up to the model's maximum (at most 16).",
    ),
  mask: z
    .string()
    .optional()
    .describe(
      'A PNG or WebP mask with alpha, the size of the first image; transparent pixels mark the area to change. URL, data URI or base64, as for images.',
    ),
};

export const listModelsInput = {
  type: z.enum(OUTPUT_TYPES).optional().describe("Keep models whose output is 'image' or 'video'."),
  provider: z.string().optional().describe("Case-insensitive substring of the model's author or of a provider serving it."),
  free: z.boolean().optional().describe('true: only models served at $0 somewhere; false: only paid ones.'),
  name: z.string().optional().describe('Case-insensitive substring of the id, an alias or the display name.'),
  sort: z
    .enum(SORT_KEYS)
    .optional()
    .describe("'name', 'provider', 'price' (cheapest first) or 'date' (newest first). Default: catalog order."),
  limit: z.number().int().min(1).optional().describe('At most this many models, after sorting.'),
  include_retired: z.boolean().optional().describe('Include retired models (left out by default).'),
};

/** What `generate_image` and `edit_image` return as structured content, next to the images. */
export const imageToolOutput = {
  id: z.string().describe('Generation id; GET /v1/generations/{id} with the same key reads its record.'),
  urls: z.array(z.string()).describe('Hosted images, in order, kept for the retention period; pass them to edit_image to change them.'),
  cost: z.number().describe("USD charged to the key's account."),
  latency: z.number().describe('Milliseconds from request to result.'),
  warnings: z.array(z.string()).describe('Settings that were adapted or ignored.'),
};

export type GenerateImageInput = z.infer<z.ZodObject<typeof generateImageInput>>;
export type EditImageInput = z.infer<z.ZodObject<typeof editImageInput>>;
export type ListModelsInput = z.infer<z.ZodObject<typeof listModelsInput>>;
export type ImageToolOutput = z.infer<z.ZodObject<typeof imageToolOutput>>;
