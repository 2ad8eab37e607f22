import type { GatewayClient } from './gateway-client';
import { usageTotals, type UsageFilters } from './usage-api';

/** Daily totals split by model or key, ready for stacked charts. */
export interface DailyBreakdown {
  days: string[];
  /** Group keys (model ids or key ids), biggest spend first; `null` is "other". */
  groups: Array<string | null>;
  /** [group][day] */
  cost: number[][];
  count: number[][];
  total: { count: number; images: number; cost: number };
}

/** The biggest groups get their own colour; the rest are summed as "other". */
const TOP_GROUPS = 5;
const MAX_DAYS = 366;

/**
 * The usage API groups by one dimension at a time, so: totals per day, totals per model (or key),
 * then per day for each of the top few; "other" is the day's total minus theirs.
 */
export async function loadDailyBreakdown(
  client: GatewayClient,
  admin: boolean,
  filters: UsageFilters,
  by: 'model' | 'api_key',
  signal?: AbortSignal,
): Promise<DailyBreakdown> {
  const [daily, grouped] = await Promise.all([
    usageTotals(client, admin, filters, 'day', signal),
    usageTotals(client, admin, filters, by, signal),
  ]);
  const top = grouped.data.slice(0, TOP_GROUPS).filter((group) => group.key !== null);
  const perGroup = await Promise.all(
    top.map((group) =>
      usageTotals(client, admin, { ...filters, ...(by === 'model' ? { model: group.key! } : { api_key_id: group.key! }) }, 'day', signal),
    ),
  );
  const days = dayRange(filters.from || minDay(daily.data.map((row) => row.key)), filters.to || maxDay(daily.data.map((row) => row.key)));
  const index = new Map(days.map((day, position) => [day, position]));
  const empty = () => days.map(() => 0);
  const cost = perGroup.map(empty);
  const count = perGroup.map(empty);
  perGroup.forEach((totals, group) => {
    for (const row of totals.data) {
      const at = row.key === null ? undefined : index.get(row.key);
      if (at === undefined) continue;
      cost[group]![at] = row.cost;
      count[group]![at] = row.count;
    }
  });
  const groups: Array<string | null> = top.map((group) => group.key);
  if (grouped.data.length > top.length) {
    const otherCost = empty();
    const otherCount = empty();
    for (const row of daily.data) {
      const at = row.key === null ? undefined : index.get(row.key);
      if (at === undefined) continue;
      otherCost[at] = Math.max(0, row.cost - cost.reduce((sum, values) => sum + values[at]!, 0));
      otherCount[at] = Math.max(0, row.count - count.reduce((sum, values) => sum + values[at]!, 0));
    }
    groups.push(null);
    cost.push(otherCost);
    count.push(otherCount);
  }
  return { days, groups, cost, count, total: daily.total };
}

function minDay(days: Array<string | null>): string {
  return days.filter((day): day is string => day !== null).sort()[0] ?? new Date().toISOString().slice(0, 10);
}

function maxDay(days: Array<string | null>): string {
  return (
    days
      .filter((day): day is string => day !== null)
      .sort()
      .at(-1) ?? new Date().toISOString().slice(0, 10)
  );
}

/** Every UTC day from `from` to `to` inclusive (the most recent MAX_DAYS when longer). */
export function dayRange(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = to; day >= from && days.length < MAX_DAYS; day = previousDay(day)) days.push(day);
  return days.reverse();
}

function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
