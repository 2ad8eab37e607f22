import { z } from 'zod';
import { OUTPUT_FORMATS } from '../domain/image-format.js';
import { RESPONSE_FORMATS } from '../domain/image-request.js';

export const MAX_PROMPT_LENGTH = 10_000;
export const MAX_N = 16;

/** `WIDTHxHEIGHT` with any of the separators clients use. */
export const SIZE_PATTERN = /^(\d{1,5})\s*[xX×*]\s*(\d{1,5})$/;

const enumMessage = (param: string, values: readonly string[]) => (issue: { input?: unknown }) =>
  `Invalid enum value for '${param}'. Expected ${values.map((value) => `'${value}'`).join(' | ')}, received '${String(issue.input)}'`;

/** Multipart sends every field as text; JSON may send numbers. Both mean the same. */
const integerField = (param: string, min: number, max: number) =>
  z.union([z.number(), z.string()], { error: `'${param}' must be an integer between ${min} and ${max}` }).transform((value, context) => {
    const parsed = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      context.addIssue({ code: 'custom', message: `'${param}' must be an integer between ${min} and ${max}, received '${String(value)}'` });
      return z.NEVER;
    }
    return parsed;
  });

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * The URL's shape only; whether its host may be reached (the address policy, which needs DNS) is
 * checked by the use case before any work starts. Empty or null means no webhook, as a form can't omit a field.
 */
function webhookUrlField() {
  const message = "'webhook_url' must be an absolute http(s) URL without a user name or password";
  return z
    .union([z.string(), z.null()], { error: message })
    .transform((value, context) => {
      const text = value?.trim() ?? '';
      if (text === '') return undefined;
      const url = URL.canParse(text) ? new URL(text) : undefined;
      if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
        context.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      if (text.length > MAX_WEBHOOK_URL_LENGTH) {
        context.addIssue({ code: 'custom', message: `'webhook_url' must be ${MAX_WEBHOOK_URL_LENGTH} characters or less` });
        return z.NEVER;
      }
      return url.href;
    })
    .optional()
    .describe(
      "An http(s) URL to POST the finished generation to (success or error), signed with the account's webhook secret (POST /v1/webhooks/secret first). Works with and without `Prefer: respond-async`.",
    );
}

/** An input image in JSON: a data URI, bare base64, an http(s) URL, or OpenAI's `{image_url}` object. */
const OUTPUT_FORMAT_MESSAGE = "'output_format' must be one of: 'png', 'jpeg' (or 'jpg'), 'webp', 'svg' (vector models only)";

const imageReference = z.union([z.string(), z.object({ image_url: z.string() }).transform((value) => value.image_url)]);
const imageReferences = z.union([imageReference.transform((value) => [value]), z.array(imageReference)]);

/**
 * The fields of an image request, from JSON or multipart text fields. Key order is the order in
 * which problems are reported (only the first one is returned, as the public service does).
 */
export const imageRequestFieldsSchema = z.object({
  prompt: z
    .string({ error: "'prompt' must be a string" })
    .max(
      MAX_PROMPT_LENGTH,
      "'prompt' must be 10,000 characters or less. Please contact your ImageRouter operator if you need a higher limit.",
    )
    .optional()
    .describe('What to draw or how to edit. Optional for models that need none.'),
  model: z
    .string({
      error: (issue) =>
        issue.input === undefined || issue.input === null ? "'model' is a required parameter" : "'model' must be a string",
    })
    .trim()
    .min(1, "'model' is a required parameter")
    .describe("Model id from GET /v1/models, e.g. 'test/test' or 'openai/gpt-image-1'."),
  response_format: z
    .enum(RESPONSE_FORMATS, { error: enumMessage('response_format', RESPONSE_FORMATS) })
    .default('url')
    .describe("'url' (hosted file), 'b64_json' (inline, also stored) or 'b64_ephemeral' (inline; neither image nor prompt is stored)."),
  quality: z
    .string({ error: "'quality' must be a string such as 'auto', 'low', 'medium' or 'high'" })
    .trim()
    .toLowerCase()
    .min(1, "'quality' must not be empty")
    .default('auto')
    .describe(
      "'auto' or one of the model's qualities (GET /v1/models: capabilities.qualities), e.g. 'low', 'medium', 'high'; newer models add 'xhigh' and 'max'.",
    ),
  size: z
    .string({ error: "'size' must be 'auto' or in the format 'WIDTHxHEIGHT' (e.g. '1024x768')" })
    .trim()
    .refine((value) => value === 'auto' || SIZE_PATTERN.test(value), {
      error: "'size' must be 'auto' or in the format 'WIDTHxHEIGHT' (e.g. '1024x768')",
    })
    .default('auto')
    .describe("'auto' or WIDTHxHEIGHT; 'x', 'X', '×' and '*' are accepted between the numbers."),
  output_format: z
    .string({ error: OUTPUT_FORMAT_MESSAGE })
    .transform((value) => {
      const lower = value.trim().toLowerCase();
      return lower === 'jpg' ? 'jpeg' : lower;
    })
    .pipe(z.enum(OUTPUT_FORMATS, { error: OUTPUT_FORMAT_MESSAGE }))
    .optional()
    .describe("'webp' (the default), 'png' or 'jpeg'; 'svg' (the default there) only from vector models (capabilities.output_formats)."),
  n: integerField('n', 1, MAX_N).default(1).describe('Number of images, up to the model maximum.'),
  image: imageReferences.optional().describe('JSON only: input images as data URIs, bare base64 or http(s) URLs.'),
  images: imageReferences.optional().describe("JSON only: OpenAI's form, a list of {image_url}."),
  mask: imageReference.optional().describe('JSON only: the mask as a data URI, bare base64 or http(s) URL.'),
  webhook_url: webhookUrlField(),
});

export type ImageRequestFields = z.output<typeof imageRequestFieldsSchema>;

/** Fields the gateway interprets itself; anything else is an `extra` parameter. */
export const KNOWN_IMAGE_FIELDS = new Set([...Object.keys(imageRequestFieldsSchema.shape), 'image[]', 'mask[]', 'stream']);

/**
 * Plain decimals only: `Number()` alone would also take `''` (0), `0x10`, `1e3` and `Infinity`,
 * none of which a client typing a seed or a guidance scale means.
 */
const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Only the type is settled here. Whether a value must be an integer, and its range, differ by
 * upstream (a Replicate seed stops at 2^32-1, BFL's `safety_tolerance` at 5 or 6), so those checks
 * stay with the adapters, which already make them, and a JSON number reaches them exactly as before.
 */
const numberParameter = (param: string) =>
  z.union([z.number(), z.string()], { error: `'${param}' must be a number` }).transform((value, context) => {
    if (typeof value === 'number') return value;
    const text = value.trim();
    if (!DECIMAL_TEXT.test(text)) {
      context.addIssue({ code: 'custom', message: `'${param}' must be a number, received '${value}'` });
      return z.NEVER;
    }
    return Number(text);
  });

/** Python's `requests` writes `True`/`False` into forms, hence the case-insensitive match. */
const booleanParameter = (param: string) =>
  z.union([z.boolean(), z.string()], { error: `'${param}' must be true or false` }).transform((value, context) => {
    if (typeof value === 'boolean') return value;
    const text = value.trim().toLowerCase();
    if (text === 'true' || text === 'false') return text === 'true';
    context.addIssue({ code: 'custom', message: `'${param}' must be true or false, received '${value}'` });
    return z.NEVER;
  });

/**
 * The pass-through (`extra`) parameters some adapter reads as a number or a boolean, by name.
 * Unlisted parameters are never coerced, even when their text looks numeric: the gateway can't know
 * their type, and some are text that happens to look like a number (Replicate's `megapixels: "0.25"`,
 * a `negative_prompt` of "7"); adapters that know a model's schema (Replicate) convert those themselves.
 */
const EXTRA_PARAMETER_TYPES: Readonly<Record<string, 'number' | 'boolean'>> = {
  seed: 'number',
  output_compression: 'number',
  safety_tolerance: 'number',
  steps: 'number',
  num_inference_steps: 'number',
  guidance: 'number',
  guidance_scale: 'number',
  true_cfg_scale: 'number',
  cfg: 'number',
  strength: 'number',
  prompt_strength: 'number',
  image_reference_weight: 'number',
  high_noise_frac: 'number',
  prompt_upsampling: 'boolean',
  raw: 'boolean',
  go_fast: 'boolean',
};

/**
 * Typed `extra` parameters, whichever body carried them: multipart sends every field as text, JSON
 * sends numbers (or, from some clients, numeric text too). Every other parameter passes through as
 * received. Nulls must be removed first: they mean "not set" and are dropped, as always.
 */
export const extraParametersSchema = z.looseObject(
  Object.fromEntries(
    Object.entries(EXTRA_PARAMETER_TYPES).map(([param, type]) => [
      param,
      (type === 'number' ? numberParameter(param) : booleanParameter(param)).optional(),
    ]),
  ),
);
