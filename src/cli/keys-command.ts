import type { Command } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey } from '../accounts/api-key-repository.js';
import { loadAppConfig } from '../config/app-config.js';
import { createDatabase, type Database } from '../db/create-database.js';
import { migrate } from '../db/migrate.js';
import { usdToMicros } from '../domain/money.js';
import { formatUsd } from '../domain/money.js';

async function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const config = loadAppConfig();
  const database = await createDatabase({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: config.dataDir });
  try {
    await migrate(database);
    return await work(database);
  } finally {
    await database.close();
  }
}

function parseCredits(text: string): number {
  const usd = Number(text);
  if (!/^\d+(\.\d{1,6})?$/.test(text.trim()) || !Number.isFinite(usd)) {
    throw new Error(`--credits must be a non-negative amount in USD, e.g. 10 or 2.50 (got '${text}')`);
  }
  return usdToMicros(usd);
}

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('create, list and revoke API keys (uses DATABASE_URL / IMAGEROUTER_DATA_DIR)');

  keys
    .command('create')
    .description('create an API key; the key is printed alone on the last line of stdout')
    .option('--name <name>', 'a name to recognise the key by', 'default')
    .option('--credits <usd>', 'give the key its own account with this many USD of credits (default: unlimited)')
    .option('--admin', 'the key may call /v1/admin endpoints', false)
    .action(async (options: { name: string; credits?: string; admin: boolean }) => {
      const creditsMicros = options.credits === undefined ? null : parseCredits(options.credits);
      const created = await withDatabase((database) =>
        createApiKey(database.db, { name: options.name, admin: options.admin, creditsMicros }),
      );
      const budget = creditsMicros === null ? 'unlimited credits' : `$${options.credits} of credits`;
      process.stderr.write(
        `Created ${options.admin ? 'admin ' : ''}key '${options.name}' (id ${created.apiKey.id}, ${budget}). It is shown only now:\n`,
      );
      process.stdout.write(`${created.key}\n`);
    });

  keys
    .command('list')
    .description('list API keys (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await withDatabase((database) => listApiKeys(database.db));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      for (const { apiKey, account } of list) {
        const state = apiKey.revokedAt ? 'revoked' : 'active';
        const balance = account.balanceMicros === null ? 'unlimited' : `$${formatUsd(account.balanceMicros, 4)}`;
        process.stdout.write(
          `${apiKey.id}  ${apiKey.keyPrefix}…  ${apiKey.name}${apiKey.isAdmin ? ' (admin)' : ''}  ${state}  ${balance}\n`,
        );
      }
    });

  keys
    .command('revoke <idOrPrefix>')
    .description('revoke a key by id or prefix; it stops working at once')
    .action(async (idOrPrefix: string) => {
      const revoked = await withDatabase((database) => revokeApiKey(database.db, idOrPrefix));
      if (!revoked) {
        process.stderr.write(`No active key matches '${idOrPrefix}'.\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`Revoked ${idOrPrefix}\n`);
    });
}
