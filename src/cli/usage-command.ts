import type { Command } from 'commander';
import { formatUsd } from '../domain/money.js';
import { usageRowJson, usageTotalsJson } from '../http/admin-json.js';
import { usageFiltersFromQuery } from '../http/usage-filters.js';
import { usageQuerySchema } from '../http/schemas/admin-request-schemas.js';
import { usageCsvLines, usageTotalsCsvLines } from '../http/usage-csv.js';
import { processIo, withAdminServices, type CliIo } from './admin-cli-context.js';
import { formatTable } from './format-table.js';

interface UsageOptions {
  account?: string;
  key?: string;
  model?: string;
  provider?: string;
  status?: string;
  from?: string;
  to?: string;
  groupBy?: string;
  limit?: string;
  cursor?: string;
  csv?: boolean;
  json?: boolean;
}

/** `imagerouter usage`: `GET /v1/admin/usage` over the same services and the same parsing. */
export function registerUsageCommand(program: Command, io: CliIo = processIo): void {
  program
    .command('usage')
    .description('usage over generations: rows newest first, totals (--group-by) or CSV (uses DATABASE_URL / IMAGEROUTER_DATA_DIR)')
    .option('--account <id>', 'only this account')
    .option('--key <id>', 'only this API key')
    .option('--model <id>', 'only this model')
    .option('--provider <instance>', 'only this provider instance')
    .option('--status <status>', 'processing, success or error')
    .option('--from <time>', 'created at or after: ISO 8601 or epoch ms')
    .option('--to <time>', 'created before: ISO 8601 or epoch ms')
    .option('--group-by <group>', 'totals per day, model, api_key or provider')
    .option('--limit <n>', 'rows per page (1..1000, default 100)')
    .option('--cursor <cursor>', 'the next_cursor a previous page printed')
    .option('--csv', 'CSV: every matching row (or the totals) with a header row')
    .option('--json', 'print one JSON document')
    .action(async (options: UsageOptions) => {
      const parsed = usageQuerySchema.safeParse(
        Object.fromEntries(
          Object.entries({
            account_id: options.account,
            api_key_id: options.key,
            model: options.model,
            provider: options.provider,
            status: options.status,
            from: options.from,
            to: options.to,
            group_by: options.groupBy,
            limit: options.limit,
            cursor: options.cursor,
          }).filter(([, value]) => value !== undefined),
        ),
      );
      if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid options');
      const query = parsed.data;
      const filters = usageFiltersFromQuery(query);
      await withAdminServices(io.env, async ({ usage }) => {
        if (query.group_by !== undefined) {
          const totals = await usage.totals(filters, query.group_by);
          if (options.csv) return usageTotalsCsvLines(query.group_by, totals).forEach((line) => io.stdout.write(line));
          if (options.json) return io.stdout.write(`${JSON.stringify(usageTotalsJson(query.group_by, totals), null, 2)}\n`);
          const rows = totals.map((total) => [
            total.key ?? '(none)',
            String(total.count),
            String(total.images),
            `$${formatUsd(total.costMicros, 4)}`,
          ]);
          return io.stdout.write(formatTable([query.group_by.toUpperCase(), 'COUNT', 'IMAGES', 'COST'], rows));
        }
        if (options.csv) {
          for await (const line of usageCsvLines(usage, filters, query.cursor)) io.stdout.write(line);
          return;
        }
        const page = await usage.list(filters, {
          limit: query.limit ?? 100,
          ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        });
        if (options.json)
          return io.stdout.write(
            `${JSON.stringify({ data: page.generations.map(usageRowJson), next_cursor: page.nextCursor }, null, 2)}\n`,
          );
        const rows = page.generations.map((row) => [
          new Date(row.createdAt).toISOString(),
          row.id,
          row.model,
          row.provider ?? '',
          row.status,
          String(row.imageCount),
          `$${formatUsd(row.costMicros, 4)}`,
        ]);
        io.stdout.write(formatTable(['CREATED', 'ID', 'MODEL', 'PROVIDER', 'STATUS', 'IMAGES', 'COST'], rows));
        if (page.nextCursor !== null) io.stderr.write(`More: --cursor ${page.nextCursor}\n`);
        return undefined;
      });
    });
}
