import { z } from 'zod';
import type { UpstreamModel } from '../provider.js';
import { malformedResponse } from './upstream-error-from-response.js';
import { parseJsonBody } from './upstream-fetch.js';

const entrySchema = z.looseObject({
  id: z.string().min(1),
  aliases: z.array(z.string()).optional(),
  /** Together says what each model is (`image`, `chat`, ...). */
  type: z.string().optional(),
});
type Entry = z.output<typeof entrySchema>;
const listSchema = z.union([
  z.array(entrySchema),
  z.looseObject({ data: z.array(entrySchema) }).transform((list) => list.data),
  z.looseObject({ models: z.array(entrySchema) }).transform((list) => list.models),
]);

/**
 * The models of an OpenAI-shaped list: `{data: [...]}` (OpenAI, DeepInfra, LocalAI), `{models:
 * [...]}` (xAI, whose list holds image models only) or a bare array (Together, typed per entry).
 */
export function readOpenAIStyleModelList(provider: string, body: Buffer, imageOnly: boolean): UpstreamModel[] {
  const parsed = listSchema.safeParse(parseJsonBody(body));
  if (!parsed.success) throw malformedResponse(provider, 'the model list is not a JSON list of models');
  const entries: Entry[] = parsed.data;
  return entries.map((entry) => ({
    id: entry.id,
    ...(entry.aliases && entry.aliases.length > 0 ? { aliases: entry.aliases } : {}),
    ...(imageOnly ? { image: true } : entry.type !== undefined ? { image: entry.type === 'image' } : {}),
  }));
}
