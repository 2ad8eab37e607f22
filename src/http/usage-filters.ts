import type { z } from 'zod';
import type { UsageFilters } from '../accounts/usage-query.js';
import type { usageQuerySchema } from './schemas/admin-request-schemas.js';

/** The parsed usage query (HTTP or CLI options) as the service's filters; absent means "any". */
export function usageFiltersFromQuery(query: z.output<typeof usageQuerySchema>): UsageFilters {
  return {
    ...(query.account_id === undefined ? {} : { accountId: query.account_id }),
    ...(query.api_key_id === undefined ? {} : { apiKeyId: query.api_key_id }),
    ...(query.model === undefined ? {} : { model: query.model }),
    ...(query.provider === undefined ? {} : { provider: query.provider }),
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.from === undefined ? {} : { fromMs: query.from }),
    ...(query.to === undefined ? {} : { toMs: query.to }),
  };
}
