import type { Command } from 'commander';
import { z } from 'zod';
import { formatUsd, usdToMicros } from '../domain/money.js';
import { CliExitError, EXIT_GATEWAY } from './cli-exit-error.js';
import { formatTable } from './format-table.js';
import type { ModelsCheckOptions } from './check-catalog-models.js';
import { registerModelsCheckCommand } from './models-check-command.js';
import { callGateway } from './gateway-client.js';
import { addConnectionOptions, resolveConnection, type ConnectionOptions } from './gateway-connection.js';
import { processRemoteIo, type RemoteCliIo } from './remote-cli-io.js';

interface ModelsOptions extends ConnectionOptions {
  search?: string;
  provider?: string;
  json?: boolean;
}

const rangeSchema = z.object({ min: z.number(), max: z.number() });

/** The parts of a `GET /v1/models` entry the table shows; the rest passes through to `--json`. */
const modelsSchema = z.record(
  z.string(),
  z.looseObject({
    providers: z.array(
      z.looseObject({
        id: z.string(),
        pricing: z.looseObject({ value: z.number().optional(), range: rangeSchema.optional() }).nullable(),
      }),
    ),
    supported_params: z.looseObject({ edit: z.boolean(), mask: z.boolean() }),
    available: z.boolean(),
  }),
);
type ModelEntry = z.output<typeof modelsSchema>[string];

/** The cheapest and dearest image over the model's priced routes; undefined when none has a price. */
function priceRange(model: ModelEntry): { min: number; max: number } | undefined {
  const prices = model.providers.flatMap(({ pricing }) =>
    pricing === null
      ? []
      : pricing.range !== undefined
        ? [pricing.range]
        : pricing.value !== undefined
          ? [{ min: pricing.value, max: pricing.value }]
          : [],
  );
  if (prices.length === 0) return undefined;
  return { min: Math.min(...prices.map((price) => price.min)), max: Math.max(...prices.map((price) => price.max)) };
}

const usd = (value: number) => `$${formatUsd(usdToMicros(value), 4)}`;
const yesNo = (value: boolean) => (value ? 'yes' : 'no');

function modelRows(models: Record<string, ModelEntry>): string[][] {
  return Object.entries(models).map(([id, model]) => {
    const price = priceRange(model);
    return [
      id,
      [...new Set(model.providers.map((provider) => provider.id))].join(','),
      price === undefined ? '-' : price.min === price.max ? usd(price.min) : `${usd(price.min)}-${usd(price.max)}`,
      yesNo(model.supported_params.edit),
      yesNo(model.supported_params.mask),
      price === undefined ? '-' : yesNo(price.min === 0),
      yesNo(model.available),
    ];
  });
}

/** `imagerouter models [--search TEXT] [--provider P]`: the catalog of a running gateway as a table. */
export function registerModelsCommand(program: Command, io: RemoteCliIo = processRemoteIo, checkOptions: ModelsCheckOptions = {}): void {
  // `models check` has its own --json and --provider; commander hands them to the subcommand only
  // when its parents stop reading options at a subcommand's name (the program has no options of its own).
  program.enablePositionalOptions();
  const modelsCommand = addConnectionOptions(
    program
      .command('models')
      .description("list a running gateway's models: price per image, edit and mask support")
      .option('--search <text>', 'id, alias or name contains this (case-insensitive)')
      .option('--provider <provider>', 'author or a provider serving it contains this')
      .option('--json', "print the gateway's JSON (GET /v1/models) instead of a table", false),
  ).action(async (options: ModelsOptions) => {
    // The catalog is public: a key is sent when there is one, never required.
    const connection = resolveConnection(options, io.env, false);
    const query = new URLSearchParams();
    if (options.search !== undefined) query.set('name', options.search);
    if (options.provider !== undefined) query.set('provider', options.provider);
    const answer = await callGateway(connection, { method: 'GET', path: `/v1/models${query.size > 0 ? `?${query.toString()}` : ''}` });
    if (options.json === true) {
      io.stdout.write(`${JSON.stringify(answer)}\n`);
      return;
    }
    const models = modelsSchema.safeParse(answer);
    if (!models.success) throw new CliExitError(EXIT_GATEWAY, 'the gateway answered 200 with a body that is not a model list');
    io.stdout.write(formatTable(['ID', 'PROVIDERS', 'PRICE/IMAGE', 'EDIT', 'MASK', 'FREE', 'AVAILABLE'], modelRows(models.data)));
  });
  registerModelsCheckCommand(modelsCommand, io, checkOptions);
}
