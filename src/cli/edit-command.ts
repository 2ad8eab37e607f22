import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { usageError } from './cli-exit-error.js';
import { resolveConnection } from './gateway-connection.js';
import { addImageOptions, planImageCommand, type ImageCommandOptions } from './image-command-options.js';
import { processRemoteIo, type RemoteCliIo } from './remote-cli-io.js';
import { runImageCommand } from './run-image-command.js';

interface EditOptions extends ImageCommandOptions {
  image: string[];
  mask?: string;
}

/** URLs and data URIs go to the gateway as text: it downloads them itself, through its guarded downloader. */
const isReference = (value: string) => /^(https?:\/\/|data:)/i.test(value);

/**
 * A file becomes a file part, a URL a text part of the same field, so one multipart body carries
 * both in the order given (the gateway reads `image[]` text parts as references).
 */
async function appendImage(form: FormData, cwd: string, field: string, flag: string, value: string): Promise<void> {
  if (isReference(value)) {
    form.append(field, value);
    return;
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path.resolve(cwd, value));
  } catch (error) {
    const reason = error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'no such file' : String(error);
    throw usageError(`${flag}: cannot read '${value}': ${reason}`);
  }
  form.append(field, new Blob([new Uint8Array(bytes)]), path.basename(value));
}

/** `imagerouter edit -i IMG [-i IMG ...] [--mask MASK] "prompt" -m MODEL ...`: image to image and inpainting. */
export function registerEditCommand(program: Command, io: RemoteCliIo = processRemoteIo): void {
  addImageOptions(
    program
      .command('edit')
      .description('edit images (files or http(s) URLs) with a running gateway and write the results to disk')
      .argument('<prompt>', 'what to change')
      .option(
        '-i, --image <file|url>',
        'an input image; repeat for several (in order)',
        (value: string, all: string[]) => [...all, value],
        [],
      )
      .option('--mask <file|url>', 'PNG or WebP with alpha, the size of the first image: transparent pixels are edited'),
  ).action(async (prompt: string, options: EditOptions) => {
    const connection = resolveConnection(options, io.env, true);
    if (options.image.length === 0) throw usageError('edit needs at least one input image: -i FILE or -i URL');
    const plan = await planImageCommand(prompt, options, io.cwd());
    const form = new FormData();
    for (const [name, value] of Object.entries(plan.fields)) form.append(name, String(value));
    for (const image of options.image) await appendImage(form, io.cwd(), 'image[]', '-i', image);
    if (options.mask !== undefined) await appendImage(form, io.cwd(), 'mask', '--mask', options.mask);
    await runImageCommand(io, connection, {
      request: { method: 'POST', path: '/v1/openai/images/edits', body: { form } },
      plan,
      label: `editing with ${options.model}…`,
    });
  });
}
