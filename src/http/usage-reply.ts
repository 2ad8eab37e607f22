import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UsageService } from '../accounts/admin-services.js';
import type { UsageFilters, UsageGroup } from '../accounts/usage-query.js';
import { ApiError } from '../errors/api-error.js';
import { invalidParamFromZod } from '../errors/invalid-param-from-zod.js';
import { usageRowJson, usageTotalsJson } from './admin-json.js';
import { DEFAULT_PAGE_LIMIT } from './routes/admin-account-routes.js';
import { usageQuerySchema } from './schemas/admin-request-schemas.js';
import { usageCsvLines, usageTotalsCsvLines } from './usage-csv.js';
import { usageFiltersFromQuery } from './usage-filters.js';

/**
 * Answers a usage query (rows, totals per group, or CSV), the one implementation behind
 * `GET /v1/admin/usage` and `GET /v1/usage`. `ownAccountId` pins the query to that account: an
 * `account_id` naming another is a 403, not an empty result, so a user can't probe account ids.
 */
export async function replyWithUsage(request: FastifyRequest, reply: FastifyReply, usage: UsageService, ownAccountId?: string) {
  const parsed = usageQuerySchema.safeParse(request.query ?? {});
  if (!parsed.success) throw invalidParamFromZod(parsed.error, 'query');
  const query = parsed.data;
  if (ownAccountId !== undefined && query.account_id !== undefined && query.account_id !== ownAccountId) {
    throw new ApiError({
      kind: 'permission',
      param: 'account_id',
      message: "'account_id' may only name your own account here; admins read other accounts at GET /v1/admin/usage.",
    });
  }
  const filters: UsageFilters = { ...usageFiltersFromQuery(query), ...(ownAccountId === undefined ? {} : { accountId: ownAccountId }) };
  const csv = query.format === 'csv' || (query.format === undefined && wantsCsv(request));
  if (query.group_by !== undefined) return sendTotals(reply, usage, filters, query.group_by, csv);
  if (csv) return sendCsv(reply, 'usage.csv', usageCsvLines(usage, filters, query.cursor));
  const page = await usage.list(filters, {
    limit: query.limit ?? DEFAULT_PAGE_LIMIT,
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
  });
  return { data: page.generations.map(usageRowJson), next_cursor: page.nextCursor };
}

async function sendTotals(reply: FastifyReply, usage: UsageService, filters: UsageFilters, groupBy: UsageGroup, csv: boolean) {
  const records = await usage.totals(filters, groupBy);
  if (csv) return sendCsv(reply, `usage-by-${groupBy}.csv`, usageTotalsCsvLines(groupBy, records));
  return usageTotalsJson(groupBy, records);
}

function sendCsv(reply: FastifyReply, filename: string, lines: Iterable<string> | AsyncIterable<string>) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(Readable.from(lines));
}

/** `Accept: text/csv` asks for CSV when `format` is absent; browsers' `*\/*` does not. */
function wantsCsv(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /(^|,)\s*text\/csv\b/i.test(accept);
}
