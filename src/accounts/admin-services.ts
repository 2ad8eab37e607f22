import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import {
  createAccount,
  listAccounts,
  renameAccount,
  requireAccountSummary,
  type AccountPage,
  type AccountSummary,
} from './account-directory.js';
import { adjustCredits, setUnlimited } from './credit-adjustments.js';
import { listLedgerEntries, type LedgerPage } from './ledger-history.js';
import { listUsage, usageTotals, type UsageFilters, type UsageGroup, type UsagePage, type UsageTotal } from './usage-query.js';

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** Accounts and their credits as an operator runs them (admin API and CLI). */
export interface AccountAdminService {
  create(input: { name: string; creditsMicros: number | null }): Promise<AccountSummary>;
  list(page: PageRequest): Promise<AccountPage>;
  /** 404 for an unknown id. */
  get(id: string): Promise<AccountSummary>;
  /** Each field optional; returns the account afterwards. */
  update(id: string, changes: { name?: string; unlimited?: boolean }): Promise<AccountSummary>;
  /** Signed micro-USD: positive grants, negative deducts (409 below a limited balance of 0). */
  adjustCredits(id: string, amountMicros: number, note: string | null): Promise<AccountSummary>;
  ledger(id: string, page: PageRequest): Promise<LedgerPage>;
}

/** Generations as usage: one page of rows, or totals per group. */
export interface UsageService {
  list(filters: UsageFilters, page: PageRequest): Promise<UsagePage>;
  totals(filters: UsageFilters, groupBy: UsageGroup): Promise<UsageTotal[]>;
}

export function createAccountAdminService(db: Kysely<DatabaseSchema>, clock: () => number): AccountAdminService {
  return {
    create: (input) => createAccount(db, { ...input, now: clock() }),
    list: (page) => listAccounts(db, page),
    get: (id) => requireAccountSummary(db, id),
    async update(id, changes) {
      if (changes.name !== undefined) await renameAccount(db, id, changes.name);
      if (changes.unlimited !== undefined) await setUnlimited(db, id, changes.unlimited, clock());
      return requireAccountSummary(db, id);
    },
    adjustCredits: (id, amountMicros, note) => adjustCredits(db, { accountId: id, amountMicros, note, now: clock() }),
    ledger: (id, page) => listLedgerEntries(db, id, page),
  };
}

export function createUsageService(db: Kysely<DatabaseSchema>): UsageService {
  return {
    list: (filters, page) => listUsage(db, filters, page),
    totals: (filters, groupBy) => usageTotals(db, filters, groupBy),
  };
}
