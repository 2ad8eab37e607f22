import { z } from 'zod';

/**
 * The few response fields the adapter reads, parsed leniently: every server adds its own keys
 * (`index`, `revised_prompt`, `timings`, `file_path`, `content_filter_results`, ...) and several send
 * `null` for absent ones, so nothing else is required and unknown keys are kept.
 */
export const imageItemSchema = z.looseObject({
  b64_json: z.string().nullish(),
  url: z.string().nullish(),
  /** xAI: `false` when its moderation blocked this image. */
  respect_moderation: z.boolean().nullish(),
});

const usageSchema = z.looseObject({
  /** xAI: the exact cost; 10,000,000,000 ticks = 1 USD. */
  cost_in_usd_ticks: z.number().nonnegative().nullish(),
  /** GPT-image on Azure (and OpenAI-shaped servers that count tokens). */
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  input_tokens_details: z.looseObject({ text_tokens: z.number().nullish(), image_tokens: z.number().nullish() }).nullish(),
});

export const imagesResponseSchema = z.looseObject({
  data: z.array(imageItemSchema),
  // A malformed `usage` must not cost the images: it is parsed on its own, below.
  usage: z.unknown().optional(),
});

export const parseUsage = (value: unknown) => {
  const parsed = usageSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
};

/**
 * Error bodies seen across the flavors: OpenAI/Azure/vLLM/LocalAI `{error: {message, type, code,
 * param, inner_error | innererror}}` (code a string or the HTTP status as a number), xAI
 * `{code, error: "..."}`, FastAPI `{detail: "..." | [{loc, msg}]}`, and a bare `{message}`.
 */
export const errorBodySchema = z.looseObject({
  error: z
    .union([
      z.string(),
      z.looseObject({
        message: z.string().nullish(),
        type: z.string().nullish(),
        code: z.union([z.string(), z.number()]).nullish(),
        inner_error: z.looseObject({ code: z.string().nullish() }).nullish(),
        innererror: z.looseObject({ code: z.string().nullish() }).nullish(),
      }),
    ])
    .nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
  message: z.string().nullish(),
  detail: z
    .union([
      z.string(),
      z.array(z.looseObject({ msg: z.string().nullish(), loc: z.array(z.union([z.string(), z.number()])).nullish() })),
      z.looseObject({ error: z.string().nullish() }),
    ])
    .nullish(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
