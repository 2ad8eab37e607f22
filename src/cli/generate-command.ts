import type { Command } from 'commander';
import { resolveConnection } from './gateway-connection.js';
import { addImageOptions, planImageCommand, type ImageCommandOptions } from './image-command-options.js';
import { processRemoteIo, type RemoteCliIo } from './remote-cli-io.js';
import { runImageCommand } from './run-image-command.js';

/** `imagerouter generate "prompt" -m MODEL ...`: text to image through a running gateway. */
export function registerGenerateCommand(program: Command, io: RemoteCliIo = processRemoteIo): void {
  addImageOptions(
    program
      .command('generate')
      .description('generate images with a running gateway (IMAGEROUTER_URL, IMAGEROUTER_API_KEY) and write them to disk')
      .argument('<prompt>', 'what to draw'),
  ).action(async (prompt: string, options: ImageCommandOptions) => {
    const connection = resolveConnection(options, io.env, true);
    const plan = await planImageCommand(prompt, options, io.cwd());
    await runImageCommand(io, connection, {
      request: { method: 'POST', path: '/v1/openai/images/generations', body: { json: plan.fields } },
      plan,
      label: `generating with ${options.model}…`,
    });
  });
}
