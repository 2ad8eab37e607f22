import type { FreeUsageCaps } from '../accounts/free-usage-caps.js';
import { ApiError } from '../errors/api-error.js';
import type { ResolvedModel } from '../catalog/resolved-model.js';

/** A claimed slot of the free caps, to give back if the generation fails. */
export interface FreeUsageSlot {
  release(): Promise<void>;
}

/**
 * Takes one slot of the daily free-model caps, or throws the 429 the public service answers
 * (before anything is recorded, as there). No caps configured: nothing to claim.
 */
export async function claimFreeUsage(
  caps: FreeUsageCaps | undefined,
  caller: { accountId: string; clientIp?: string | undefined },
  model: ResolvedModel,
  generationId: string,
  clock: () => number,
): Promise<FreeUsageSlot | undefined> {
  if (caps === undefined) return undefined;
  const claim = await caps.claim({ accountId: caller.accountId, clientIp: caller.clientIp }, generationId);
  if (claim.granted) return claim;
  const hint = model.id.includes(':free')
    ? 'There is no limit on paid models, so you can continue by removing ":free" from the model name.'
    : 'There is no limit on paid models, so you can continue with a paid model.';
  const which =
    claim.scope === 'account'
      ? `Daily limit of ${claim.limit} free requests`
      : `Daily limit of ${claim.limit} free requests per IP address`;
  throw new ApiError({
    kind: 'rate_limited',
    code: claim.scope === 'account' ? 'free_daily_limit' : 'free_daily_limit_ip',
    message: `${which} reached. ${hint}`,
    retryAfterMs: Math.max(0, claim.resetsAt - clock()),
  });
}
