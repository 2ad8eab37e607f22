import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';
import type { ApiKeyCache } from './api-key-cache.js';
import { createApiKeyService, type ApiKeyService } from './api-key-service.js';
import { creditsSummary, type CreditsSummary } from './credits-summary.js';
import { listGenerations, type GenerationListFilters, type GenerationListPage } from './generation-list.js';
import { getGeneration, popularModelCounts, type GenerationRecord } from './generation-repository.js';

/** Balances and usage as an account sees them (`GET /v1/credits`). */
export interface CreditsService {
  summary(accountId: string, options: { byApiKey: boolean }): Promise<CreditsSummary>;
}

/** Reading generation records back (async mode's results, the dashboard, usage). */
export interface GenerationLookup {
  get(id: string): Promise<GenerationRecord | undefined>;
  /** One account's generations, newest first. */
  list(filters: GenerationListFilters, page: { limit: number; cursor?: string }): Promise<GenerationListPage>;
  /** Successful generations per model since `sinceMs`, most used first. */
  popularModelCounts(sinceMs: number): Promise<Array<{ model: string; count: number }>>;
}

export interface AccountServices {
  keys: ApiKeyService;
  credits: CreditsService;
  generations: GenerationLookup;
}

/** The accounts layer over one database: what entry points use instead of the database handle. */
export function createAccountServices(db: Kysely<DatabaseSchema>, clock: () => number, apiKeyCache?: ApiKeyCache): AccountServices {
  return {
    keys: createApiKeyService(db, clock, apiKeyCache),
    credits: { summary: (accountId, options) => creditsSummary(db, accountId, { ...options, now: clock() }) },
    generations: {
      get: (id) => getGeneration(db, id),
      list: (filters, page) => listGenerations(db, filters, page),
      popularModelCounts: (sinceMs) => popularModelCounts(db, sinceMs),
    },
  };
}
