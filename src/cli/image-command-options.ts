import type { Command } from 'commander';
import { z } from 'zod';
import { OUTPUT_FORMATS, type OutputFormat } from '../domain/image-format.js';
import { usageError } from './cli-exit-error.js';
import { addConnectionOptions, type ConnectionOptions } from './gateway-connection.js';
import { formatOfFileName, resolveOutputTarget, type OutputTarget } from './write-images.js';

/** The flags `generate` and `edit` share, as commander hands them over. */
export interface ImageCommandOptions extends ConnectionOptions {
  model: string;
  size?: string;
  quality?: string;
  format?: string;
  n?: string;
  output?: string;
  json?: boolean;
}

/** What a run sends and where it writes. */
export interface ImageCommandPlan {
  /** Request fields, named as the HTTP API names them. */
  fields: Record<string, string | number>;
  target: OutputTarget;
  json: boolean;
}

export function addImageOptions(command: Command): Command {
  return addConnectionOptions(
    command
      .requiredOption('-m, --model <id>', 'model id or alias (see `imagerouter models`)')
      .option('-s, --size <WxH>', "e.g. 1024x1024 (default: the model's)")
      .option('-q, --quality <quality>', 'auto, low, medium, high, ... as the model allows')
      .option('-f, --format <format>', `output format: ${OUTPUT_FORMATS.join(', ')} (default: from -o's extension, else webp)`)
      .option('-n, --n <count>', 'how many images (default 1)')
      .option('-o, --output <file|dir>', 'a file name (numbered when -n > 1) or a directory (default: the current directory)')
      .option('--json', 'print one JSON document on stdout: the response without base64, plus `files`', false),
  );
}

const formatSchema = z
  .enum(['png', 'jpeg', 'jpg', 'webp'], {
    error: (issue) => `-f must be one of: ${OUTPUT_FORMATS.join(', ')} (got '${String(issue.input)}')`,
  })
  .transform((format): OutputFormat => (format === 'jpg' ? 'jpeg' : format));

const countSchema = z
  .string()
  .regex(/^[1-9]\d*$/, { error: (issue) => `-n must be a positive integer (got '${String(issue.input)}')` })
  .transform(Number);

function parseFlag<T>(schema: z.ZodType<T, string>, value: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw usageError(parsed.error.issues[0]?.message ?? 'invalid value');
  return parsed.data;
}

/**
 * Checks the flags the CLI itself depends on (`-n`, `-f`, `-o`); size, quality and the model are
 * the gateway's to judge, so its answer names them exactly as for any client.
 */
export async function planImageCommand(prompt: string, options: ImageCommandOptions, cwd: string): Promise<ImageCommandPlan> {
  const target = await resolveOutputTarget(options.output, cwd);
  const flagFormat = options.format === undefined ? undefined : parseFlag(formatSchema, options.format);
  const fileFormat = formatOfFileName(target);
  if (fileFormat !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(fileFormat)) {
    throw usageError(`-o: the gateway writes ${OUTPUT_FORMATS.join(', ')}, not ${fileFormat}`);
  }
  if (flagFormat !== undefined && fileFormat !== undefined && flagFormat !== fileFormat) {
    throw usageError(`-f ${flagFormat} contradicts -o ${options.output ?? ''} (a ${fileFormat} file name)`);
  }
  const format = flagFormat ?? fileFormat;
  const fields: Record<string, string | number> = { model: options.model, prompt, response_format: 'b64_json' };
  if (options.size !== undefined) fields['size'] = options.size;
  if (options.quality !== undefined) fields['quality'] = options.quality;
  if (format !== undefined) fields['output_format'] = format;
  if (options.n !== undefined) fields['n'] = parseFlag(countSchema, options.n);
  return { fields, target, json: options.json === true };
}
