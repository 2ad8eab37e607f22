import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { UsageService } from '../../accounts/admin-services.js';
import type { UsageFilters, UsageGroup } from '../../accounts/usage-query.js';
import { invalidParamFromZod } from '../../errors/invalid-param-from-zod.js';
import { usageRowJson, usageTotalsJson } from '../admin-json.js';
import { usageFiltersFromQuery } from '../usage-filters.js';
import { usageCsvLines, usageTotalsCsvLines } from '../usage-csv.js';
import { authenticate, type FindKey } from '../plugins/authenticate.js';
import { usageQuerySchema } from '../schemas/admin-request-schemas.js';
import { DEFAULT_PAGE_LIMIT } from './admin-account-routes.js';

/** Usage over recorded generations: rows with cursor paging, totals per group, or CSV (admin keys only). */
export const adminUsageRoutes: FastifyPluginAsync<{ findKey: FindKey; usage: UsageService }> = async (app, { findKey, usage }) => {
  app.addHook('onRequest', authenticate(findKey, 'admin'));

  app.get('/v1/admin/usage', async (request, reply) => {
    const parsed = usageQuerySchema.safeParse(request.query ?? {});
    if (!parsed.success) throw invalidParamFromZod(parsed.error, 'query');
    const query = parsed.data;
    const filters = usageFiltersFromQuery(query);
    const csv = query.format === 'csv' || (query.format === undefined && wantsCsv(request));
    if (query.group_by !== undefined) return sendTotals(reply, usage, filters, query.group_by, csv);
    if (csv) return sendCsv(reply, 'usage.csv', usageCsvLines(usage, filters, query.cursor));
    const page = await usage.list(filters, {
      limit: query.limit ?? DEFAULT_PAGE_LIMIT,
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    });
    return { data: page.generations.map(usageRowJson), next_cursor: page.nextCursor };
  });
};

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
