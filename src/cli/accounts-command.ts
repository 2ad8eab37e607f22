import type { Command } from 'commander';
import type { AccountSummary } from '../accounts/account-directory.js';
import { formatUsd } from '../domain/money.js';
import { accountJson, ledgerEntryJson } from '../http/admin-json.js';
import { processIo, withAdminServices, type CliIo } from './admin-cli-context.js';
import { formatTable } from './format-table.js';
import { parseUsdArgument } from './parse-usd-argument.js';

const balanceText = (account: AccountSummary) => (account.balanceMicros === null ? 'unlimited' : `$${formatUsd(account.balanceMicros, 4)}`);
const accountRow = (account: AccountSummary) => [
  account.id,
  account.name,
  balanceText(account),
  String(account.keyCount),
  new Date(account.createdAt).toISOString(),
];
const ACCOUNT_HEADERS = ['ID', 'NAME', 'BALANCE', 'KEYS', 'CREATED'];

interface PageOptions {
  limit: string;
  cursor?: string;
  json?: boolean;
}

/** `imagerouter accounts list|create|show|grant|deduct|ledger`: the admin API's accounts over the same services. */
export function registerAccountsCommand(program: Command, io: CliIo = processIo): void {
  const accounts = program.command('accounts').description('accounts, their credits and ledger (uses DATABASE_URL / IMAGEROUTER_DATA_DIR)');
  const print = (text: string): void => {
    io.stdout.write(text);
  };
  const printJson = (value: unknown) => print(`${JSON.stringify(value, null, 2)}\n`);
  const printAccount = (account: AccountSummary, json: boolean | undefined) =>
    json ? printJson(accountJson(account)) : print(formatTable(ACCOUNT_HEADERS, [accountRow(account)]));

  accounts
    .command('list')
    .description('accounts, newest first')
    .option('--limit <n>', 'accounts per page (1..1000)', '100')
    .option('--cursor <cursor>', 'the next_cursor a previous page printed')
    .option('--json', 'print one JSON document')
    .action(async (options: PageOptions) => {
      const page = await withAdminServices(io.env, (services) => services.accounts.list(pageOf(options)));
      if (options.json) return printJson({ data: page.accounts.map(accountJson), next_cursor: page.nextCursor });
      print(formatTable(ACCOUNT_HEADERS, page.accounts.map(accountRow)));
      if (page.nextCursor !== null) io.stderr.write(`More: --cursor ${page.nextCursor}\n`);
    });

  accounts
    .command('create <name>')
    .description('create an account')
    .option('--credits <usd>', 'starting credits in USD (default: unlimited)')
    .option('--json', 'print one JSON document')
    .action(async (name: string, options: { credits?: string; json?: boolean }) => {
      const creditsMicros = options.credits === undefined ? null : parseUsdArgument(options.credits, '--credits', { allowZero: true });
      const created = await withAdminServices(io.env, (services) => services.accounts.create({ name, creditsMicros }));
      printAccount(created, options.json);
    });

  accounts
    .command('show <id>')
    .description('one account')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options: { json?: boolean }) => {
      printAccount(await withAdminServices(io.env, (services) => services.accounts.get(id)), options.json);
    });

  for (const [verb, sign, description] of [
    ['grant', 1, 'add credits (a grant ledger entry)'],
    ['deduct', -1, 'take credits away (an adjust ledger entry; never below a limited balance of 0)'],
  ] as const) {
    accounts
      .command(`${verb} <id> <usd>`)
      .description(description)
      .option('--note <text>', 'kept on the ledger entry')
      .option('--json', 'print one JSON document')
      .action(async (id: string, usd: string, options: { note?: string; json?: boolean }) => {
        const micros = sign * parseUsdArgument(usd, '<usd>');
        const account = await withAdminServices(io.env, (services) => services.accounts.adjustCredits(id, micros, options.note ?? null));
        printAccount(account, options.json);
      });
  }

  accounts
    .command('ledger <id>')
    .description("an account's ledger, newest first")
    .option('--limit <n>', 'entries per page (1..1000)', '100')
    .option('--cursor <cursor>', 'the next_cursor a previous page printed')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options: PageOptions) => {
      const page = await withAdminServices(io.env, (services) => services.accounts.ledger(id, pageOf(options)));
      if (options.json) return printJson({ account_id: id, data: page.entries.map(ledgerEntryJson), next_cursor: page.nextCursor });
      const rows = page.entries.map((entry) => [
        new Date(entry.createdAt).toISOString(),
        entry.kind,
        `${formatUsd(entry.amountMicros, 6)}`,
        entry.generationId ?? '',
        entry.note ?? '',
      ]);
      print(formatTable(['CREATED', 'KIND', 'USD', 'GENERATION', 'NOTE'], rows));
      if (page.nextCursor !== null) io.stderr.write(`More: --cursor ${page.nextCursor}\n`);
    });
}

function pageOf(options: PageOptions): { limit: number; cursor?: string } {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new Error(`--limit must be a whole number from 1 to 1000 (got '${options.limit}')`);
  return { limit, ...(options.cursor === undefined ? {} : { cursor: options.cursor }) };
}
