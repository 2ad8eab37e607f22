import type { UsageService } from '../accounts/admin-services.js';
import type { UsageFilters, UsageGroup, UsageTotal } from '../accounts/usage-query.js';
import { usageRowJson, usageTotalJson } from './admin-json.js';
import { csvLine } from './csv-line.js';

/* Usage as CSV, shared by `GET /v1/admin/usage?format=csv` and `imagerouter usage --csv`. */

/** Rows per database page while an export streams. */
const CSV_BATCH = 500;

export const USAGE_CSV_COLUMNS = [
  'id',
  'created_at',
  'account_id',
  'api_key_id',
  'model',
  'provider',
  'status',
  'n',
  'images',
  'cost_micros',
  'cost',
  'latency_ms',
  'error_type',
] as const;

/** Every matching row from `cursor` on, one batch in memory at a time however long the range. */
export async function* usageCsvLines(usage: UsageService, filters: UsageFilters, cursor?: string): AsyncGenerator<string> {
  yield csvLine(USAGE_CSV_COLUMNS);
  let next = cursor;
  do {
    const page = await usage.list(filters, { limit: CSV_BATCH, ...(next === undefined ? {} : { cursor: next }) });
    for (const record of page.generations) {
      const row = usageRowJson(record);
      yield csvLine(USAGE_CSV_COLUMNS.map((column) => row[column]));
    }
    next = page.nextCursor ?? undefined;
  } while (next !== undefined);
}

/** Totals with the group as the first column's name. */
export function usageTotalsCsvLines(groupBy: UsageGroup, totals: UsageTotal[]): string[] {
  return [
    csvLine([groupBy, 'count', 'images', 'cost_micros', 'cost']),
    ...totals.map(usageTotalJson).map((total) => csvLine([total.key, total.count, total.images, total.cost_micros, total.cost])),
  ];
}
