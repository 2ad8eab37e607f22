import type { Command } from 'commander';
import { SPEND_PERIODS } from '../accounts/api-key-limits.js';
import { formatUsd } from '../domain/money.js';
import { ApiError } from '../errors/api-error.js';
import {
  createApiKeyBodySchema,
  keyUpdateFromBody,
  limitsFromBody,
  serializeApiKey,
  setsPeriodWithoutLimit,
  updateApiKeyBodySchema,
  type ApiKeyResponse,
} from '../http/schemas/api-key-schemas.js';
import { processIo, withAdminServices, type CliIo } from './admin-cli-context.js';
import { formatTable } from './format-table.js';
import { parseUsdArgument } from './parse-usd-argument.js';

/** Options that set a key's limits, on `create` and `update`; `none` / `never` removes one. */
interface LimitOptions {
  scopes?: string;
  expires?: string;
  spendLimit?: string;
  period?: string;
  rpm?: string;
  concurrency?: string;
}

function addLimitOptions(command: Command): Command {
  return command
    .option('--scopes <list>', 'comma-separated: generate, read, admin (default generate,read)')
    .option('--expires <when>', "ISO 8601 date-time after which the key stops working, or 'never'")
    .option('--spend-limit <usd>', "most USD the key may spend per --period, or 'none'")
    .option('--period <period>', `spend limit period: ${SPEND_PERIODS.join(', ')} (UTC; default month)`)
    .option('--rpm <n>', "generation requests per minute, or 'none'")
    .option('--concurrency <n>', "generations running at once, or 'none'");
}

/** The options as the admin API's JSON body, so the CLI validates exactly as `/v1/admin/keys` does. */
function limitsBody(options: LimitOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const nullable = (value: string, parse: (text: string) => unknown) => (['none', 'never'].includes(value) ? null : parse(value));
  if (options.scopes !== undefined) body['scopes'] = options.scopes.split(',').map((scope) => scope.trim());
  if (options.expires !== undefined) body['expires_at'] = nullable(options.expires, (text) => text);
  if (options.spendLimit !== undefined) {
    body['spend_limit'] = nullable(options.spendLimit, (text) => parseUsdArgument(text, '--spend-limit') / 1_000_000);
  }
  if (options.period !== undefined) body['spend_limit_period'] = options.period;
  if (options.rpm !== undefined) body['requests_per_minute'] = nullable(options.rpm, Number);
  if (options.concurrency !== undefined) body['max_concurrent_generations'] = nullable(options.concurrency, Number);
  return body;
}

/** Zod's message names the API field; people typed a flag. */
const FLAG_OF: Record<string, string> = {
  scopes: '--scopes',
  expires_at: '--expires',
  spend_limit: '--spend-limit',
  spend_limit_period: '--period',
  requests_per_minute: '--rpm',
  max_concurrent_generations: '--concurrency',
  name: '--name',
  credits: '--credits',
  account_id: '--account',
};

function flagError(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): Error {
  const issue = error.issues[0];
  const field = typeof issue?.path[0] === 'string' ? issue.path[0] : '';
  return new Error(`${FLAG_OF[field] ?? field}: ${issue?.message ?? 'invalid value'}`);
}

function keyRows(keys: ApiKeyResponse[]): string {
  const rows = keys.map((key) => [
    key.id,
    `${key.prefix}…`,
    key.name,
    key.scopes.join(','),
    key.revoked_at !== null ? 'revoked' : key.expired ? 'expired' : 'active',
    key.balance_micros === null ? 'unlimited' : `$${formatUsd(key.balance_micros, 4)}`,
    key.spend_limit === null
      ? '-'
      : `$${formatUsd(key.spend_limit.period_spend_micros, 4)}/$${formatUsd(key.spend_limit.limit_micros, 4)} per ${key.spend_limit.period}`,
    key.requests_per_minute === null ? '-' : String(key.requests_per_minute),
    key.max_concurrent_generations === null ? '-' : String(key.max_concurrent_generations),
    key.expires_at === null ? 'never' : new Date(key.expires_at).toISOString(),
  ]);
  return formatTable(['ID', 'PREFIX', 'NAME', 'SCOPES', 'STATE', 'BALANCE', 'SPEND', 'RPM', 'CONCURRENT', 'EXPIRES'], rows);
}

/** `imagerouter keys create|list|show|update|rotate|revoke`, over the same service and validation as `/v1/admin/keys`. */
export function registerKeysCommand(program: Command, io: CliIo = processIo): void {
  const keys = program
    .command('keys')
    .description('create, list, limit, rotate and revoke API keys (uses DATABASE_URL / IMAGEROUTER_DATA_DIR)');

  addLimitOptions(
    keys
      .command('create')
      .description('create an API key; the key is printed alone on the last line of stdout')
      .option('--name <name>', 'a name to recognise the key by', 'default')
      .option('--credits <usd>', 'give the key its own account with this many USD of credits (default: unlimited)')
      .option('--account <id>', 'add the key to this existing account instead')
      .option('--admin', 'all scopes, including /v1/admin endpoints', false),
  ).action(async (options: LimitOptions & { name: string; credits?: string; account?: string; admin: boolean }) => {
    const creditsMicros = options.credits === undefined ? null : parseUsdArgument(options.credits, '--credits', { allowZero: true });
    const parsed = createApiKeyBodySchema.safeParse({
      name: options.name,
      admin: options.admin,
      ...(options.account === undefined ? {} : { account_id: options.account }),
      ...limitsBody(options),
    });
    if (!parsed.success) throw flagError(parsed.error);
    const created = await withAdminServices(io.env, (services) =>
      services.keys.create({
        name: parsed.data.name,
        admin: options.admin,
        creditsMicros,
        ...(options.account === undefined ? {} : { accountId: options.account }),
        ...limitsFromBody(parsed.data, null),
      }),
    );
    const budget = creditsMicros === null ? 'unlimited credits' : `$${formatUsd(creditsMicros, 4)} of credits`;
    io.stderr.write(
      `Created ${created.apiKey.isAdmin ? 'admin ' : ''}key '${created.apiKey.name}' (id ${created.apiKey.id}, ${budget}). It is shown only now:\n`,
    );
    io.stdout.write(`${created.key}\n`);
  });

  keys
    .command('list')
    .description('list API keys with their limits (never their secrets)')
    .option('--json', 'print one JSON document, as GET /v1/admin/keys')
    .action(async (options: { json?: boolean }) => {
      const list = await withAdminServices(io.env, async (services) => {
        const now = Date.now();
        return (await services.keys.list()).map((key) => serializeApiKey(key, now));
      });
      io.stdout.write(options.json ? `${JSON.stringify({ data: list }, null, 2)}\n` : keyRows(list));
    });

  keys
    .command('show <id>')
    .description('one key with its limits and current period spend')
    .option('--json', 'print one JSON document, as GET /v1/admin/keys/{id}')
    .action(async (id: string, options: { json?: boolean }) => {
      const found = await withAdminServices(io.env, (services) => services.keys.get(id));
      if (!found) throw new Error(`No key '${id}'.`);
      const key = serializeApiKey(found, Date.now());
      io.stdout.write(options.json ? `${JSON.stringify(key, null, 2)}\n` : keyRows([key]));
    });

  addLimitOptions(
    keys
      .command('update <id>')
      .description("change a key's name, scopes or limits; they apply from the next request")
      .option('--name <name>', 'a new name')
      .option('--json', 'print the key as JSON'),
  ).action(async (id: string, options: LimitOptions & { name?: string; json?: boolean }) => {
    const parsed = updateApiKeyBodySchema.safeParse({
      ...(options.name === undefined ? {} : { name: options.name }),
      ...limitsBody(options),
    });
    if (!parsed.success) throw flagError(parsed.error);
    const updated = await withAdminServices(io.env, async (services) => {
      const current = await services.keys.get(id);
      if (!current || current.apiKey.revokedAt !== null) return undefined;
      if (setsPeriodWithoutLimit(parsed.data, current.apiKey.limits.spendLimit)) {
        throw new ApiError({ kind: 'invalid_request', message: '--period needs --spend-limit: this key has no spend limit' });
      }
      return services.keys.update(id, keyUpdateFromBody(parsed.data, current.apiKey.limits.spendLimit));
    });
    if (!updated) throw new Error(`No active key '${id}'.`);
    const key = serializeApiKey(updated, Date.now());
    io.stdout.write(options.json ? `${JSON.stringify(key, null, 2)}\n` : keyRows([key]));
  });

  keys
    .command('rotate <id>')
    .description('replace the secret of a key (the old one stops at once); the new key is printed alone on the last line')
    .action(async (id: string) => {
      const rotated = await withAdminServices(io.env, (services) => services.keys.rotate(id));
      if (!rotated) throw new Error(`No active key '${id}'.`);
      io.stderr.write(`Rotated key '${rotated.apiKey.name}' (id ${rotated.apiKey.id}). The new key is shown only now:\n`);
      io.stdout.write(`${rotated.key}\n`);
    });

  keys
    .command('revoke <idOrPrefix>')
    .description('revoke a key by id or prefix; it stops working at once')
    .action(async (idOrPrefix: string) => {
      const revoked = await withAdminServices(io.env, (services) => services.keys.revoke(idOrPrefix));
      if (!revoked) {
        io.stderr.write(`No active key matches '${idOrPrefix}'.\n`);
        process.exitCode = 1;
        return;
      }
      io.stdout.write(`Revoked ${idOrPrefix}\n`);
    });
}
