import type { Command } from 'commander';
import { formatUsd } from '../domain/money.js';
import { accountJson } from '../http/admin-json.js';
import { processIo, withAdminServices, type CliIo } from './admin-cli-context.js';
import { formatTable } from './format-table.js';

/** `imagerouter credits <account-id>`: the balance and usage `/v1/credits` shows that account's keys. */
export function registerCreditsCommand(program: Command, io: CliIo = processIo): void {
  program
    .command('credits <account-id>')
    .description("an account's balance, deposits and usage per key (uses DATABASE_URL / IMAGEROUTER_DATA_DIR)")
    .option('--json', 'print one JSON document')
    .action(async (accountId: string, options: { json?: boolean }) => {
      const { account, summary } = await withAdminServices(io.env, async (services) => ({
        account: await services.accounts.get(accountId),
        summary: await services.credits.summary(accountId, { byApiKey: true }),
      }));
      if (options.json) {
        io.stdout.write(`${JSON.stringify({ account: accountJson(account), ...summary }, null, 2)}\n`);
        return;
      }
      const balance = account.balanceMicros === null ? 'unlimited' : `$${formatUsd(account.balanceMicros, 4)}`;
      io.stdout.write(
        `${account.name} (${account.id}): ${balance} left, $${summary.total_deposits} deposited, $${summary.credit_usage} used\n`,
      );
      const keys = summary.usage_by_api_key ?? [];
      if (keys.length > 0) {
        const rows = keys.map((key) => [
          key.api_key_id,
          key.api_key_name,
          `$${key.credit_usage}`,
          String(key.total_requests),
          key.is_active ? 'active' : 'revoked',
        ]);
        io.stdout.write(formatTable(['KEY', 'NAME', 'USED', 'REQUESTS', 'STATE'], rows));
      }
    });
}
