import path from 'node:path';
import { z } from 'zod';
import { formatUsd, usdToMicros } from '../domain/money.js';
import { sniffImageFormat } from '../images/sniff-image-format.js';
import { CliExitError, EXIT_GATEWAY } from './cli-exit-error.js';
import { callGateway, type GatewayRequest } from './gateway-client.js';
import type { GatewayConnection } from './gateway-connection.js';
import { GatewayError } from './gateway-error.js';
import type { ImageCommandPlan } from './image-command-options.js';
import { startProgress } from './progress-indicator.js';
import type { RemoteCliIo } from './remote-cli-io.js';
import { writeImages, type ImageToWrite } from './write-images.js';

/** Loose: whatever else the gateway adds passes through to `--json` untouched. */
const imageResponseSchema = z.looseObject({
  id: z.string(),
  cost: z.number(),
  latency: z.number(),
  data: z.array(z.looseObject({ b64_json: z.string().optional() })),
  warnings: z.array(z.looseObject({ message: z.string() })).optional(),
});

export interface ImageCommandRun {
  request: GatewayRequest;
  plan: ImageCommandPlan;
  /** Shown while waiting, e.g. `generating with test/test…`. */
  label: string;
}

/** Sends the request with a progress indicator, writes the images and reports paths, cost and latency. */
export async function runImageCommand(io: RemoteCliIo, connection: GatewayConnection, run: ImageCommandRun): Promise<void> {
  const progress = startProgress(io.stderr, run.label);
  let answer: unknown;
  try {
    answer = await callGateway(connection, run.request);
  } catch (error) {
    progress.stop();
    if (error instanceof GatewayError && run.plan.json)
      io.stdout.write(`${JSON.stringify({ status: error.status, error: error.error })}\n`);
    throw error;
  }
  progress.stop();
  const parsed = imageResponseSchema.safeParse(answer);
  if (!parsed.success) throw new CliExitError(EXIT_GATEWAY, 'the gateway answered 200 with a body that is not an image response');
  const response = parsed.data;
  const images = response.data.map((item, index): ImageToWrite => {
    const bytes = item.b64_json === undefined ? undefined : Buffer.from(item.b64_json, 'base64');
    const format = bytes === undefined ? undefined : sniffImageFormat(bytes);
    if (bytes === undefined || format === undefined)
      throw new CliExitError(EXIT_GATEWAY, `image ${index + 1} of the answer holds no image bytes`);
    return { bytes, format };
  });
  const files = await writeImages(images, run.plan.target, response.id);
  for (const warning of response.warnings ?? []) io.stderr.write(`warning: ${warning.message}\n`);
  if (run.plan.json) {
    const data = response.data.map((item) => Object.fromEntries(Object.entries(item).filter(([name]) => name !== 'b64_json')));
    io.stdout.write(`${JSON.stringify({ ...response, data, files })}\n`);
    return;
  }
  // Paths alone on stdout, so `$(imagerouter generate …)` is the list of files; the rest is for people.
  const cwd = io.cwd();
  for (const file of files) {
    const relative = path.relative(cwd, file);
    io.stdout.write(`${relative.startsWith('..') || path.isAbsolute(relative) ? file : relative}\n`);
  }
  io.stderr.write(`cost $${formatUsd(usdToMicros(response.cost), 4)} · latency ${response.latency} ms · id ${response.id}\n`);
}
