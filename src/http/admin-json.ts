import type { AccountSummary } from '../accounts/account-directory.js';
import type { LedgerEntryRecord } from '../accounts/ledger-history.js';
import type { UsageGroup, UsageRecord, UsageTotal } from '../accounts/usage-query.js';
import { microsToUsd } from '../domain/money.js';
import type { ProviderInstanceHealth } from '../routing/provider-health-report.js';

/* Records → the admin API's JSON: snake_case, ISO 8601 times, money as `*_micros` plus USD. */

const iso = (ms: number) => new Date(ms).toISOString();

export function accountJson(account: AccountSummary) {
  return {
    id: account.id,
    name: account.name,
    unlimited: account.balanceMicros === null,
    balance_micros: account.balanceMicros,
    balance: account.balanceMicros === null ? null : microsToUsd(account.balanceMicros),
    key_count: account.keyCount,
    created_at: iso(account.createdAt),
  };
}

export function ledgerEntryJson(entry: LedgerEntryRecord) {
  return {
    id: entry.id,
    kind: entry.kind,
    amount_micros: entry.amountMicros,
    amount: microsToUsd(entry.amountMicros),
    generation_id: entry.generationId,
    note: entry.note,
    created_at: iso(entry.createdAt),
  };
}

export function usageRowJson(row: UsageRecord) {
  return {
    id: row.id,
    created_at: iso(row.createdAt),
    account_id: row.accountId,
    api_key_id: row.apiKeyId,
    model: row.model,
    provider: row.provider,
    status: row.status,
    n: row.n,
    images: row.imageCount,
    cost_micros: row.costMicros,
    cost: microsToUsd(row.costMicros),
    latency_ms: row.latencyMs,
    error_type: row.errorType,
  };
}

export function usageTotalJson(total: UsageTotal) {
  return { key: total.key, count: total.count, images: total.images, cost_micros: total.costMicros, cost: microsToUsd(total.costMicros) };
}

/** Totals per group and their sum. */
export function usageTotalsJson(groupBy: UsageGroup, totals: UsageTotal[]) {
  const costMicros = totals.reduce((sum, total) => sum + total.costMicros, 0);
  return {
    group_by: groupBy,
    data: totals.map(usageTotalJson),
    total: {
      count: totals.reduce((sum, total) => sum + total.count, 0),
      images: totals.reduce((sum, total) => sum + total.images, 0),
      cost_micros: costMicros,
      cost: microsToUsd(costMicros),
    },
  };
}

export function providerHealthJson(health: ProviderInstanceHealth) {
  return {
    instance: health.instance,
    adapter: health.adapter,
    title: health.title,
    breaker: health.breaker,
    breaker_disabled: health.breakerDisabled,
    keys: health.keys,
    recent_calls: health.calls,
    recent_errors: health.errors,
    error_rate: health.errorRate,
    p50_latency_ms: health.p50LatencyMs,
    p95_latency_ms: health.p95LatencyMs,
    last_call_at: health.lastCallAt === null ? null : iso(health.lastCallAt),
    last_error:
      health.lastError === null ? null : { kind: health.lastError.kind, message: health.lastError.message, at: iso(health.lastError.at) },
  };
}
