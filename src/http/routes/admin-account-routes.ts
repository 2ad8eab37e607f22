import type { FastifyPluginAsync } from 'fastify';
import type { AccountAdminService } from '../../accounts/admin-services.js';
import { usdToMicros } from '../../domain/money.js';
import { invalidParam } from '../../errors/api-error.js';
import { invalidParamFromZod } from '../../errors/invalid-param-from-zod.js';
import { accountJson, ledgerEntryJson } from '../admin-json.js';
import { authenticate, type FindKey } from '../plugins/authenticate.js';
import {
  adjustCreditsBodySchema,
  createAccountBodySchema,
  pageQuerySchema,
  updateAccountBodySchema,
} from '../schemas/admin-request-schemas.js';

export const DEFAULT_PAGE_LIMIT = 100;

type IdParams = { Params: { id: string } };

/** Accounts, their credits and ledger, for operators (admin keys only). */
export const adminAccountRoutes: FastifyPluginAsync<{ findKey: FindKey; accounts: AccountAdminService }> = async (
  app,
  { findKey, accounts },
) => {
  app.addHook('onRequest', authenticate(findKey, 'admin'));

  app.post('/v1/admin/accounts', async (request, reply) => {
    const parsed = createAccountBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) throw invalidParamFromZod(parsed.error);
    const { name, credits } = parsed.data;
    const created = await accounts.create({ name, creditsMicros: credits === undefined || credits === null ? null : usdToMicros(credits) });
    return reply.code(201).send(accountJson(created));
  });

  app.get('/v1/admin/accounts', async (request) => {
    const page = parsePage(request.query);
    const result = await accounts.list(page);
    return { data: result.accounts.map(accountJson), next_cursor: result.nextCursor };
  });

  app.get<IdParams>('/v1/admin/accounts/:id', async (request) => accountJson(await accounts.get(request.params.id)));

  app.patch<IdParams>('/v1/admin/accounts/:id', async (request) => {
    const parsed = updateAccountBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) throw invalidParamFromZod(parsed.error);
    const { name, unlimited } = parsed.data;
    if (name === undefined && unlimited === undefined) throw invalidParam('body', "Send 'name', 'unlimited' or both");
    return accountJson(
      await accounts.update(request.params.id, {
        ...(name === undefined ? {} : { name }),
        ...(unlimited === undefined ? {} : { unlimited }),
      }),
    );
  });

  app.post<IdParams>('/v1/admin/accounts/:id/credits', async (request) => {
    const parsed = adjustCreditsBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) throw invalidParamFromZod(parsed.error);
    const micros = usdToMicros(parsed.data.amount);
    if (micros === 0) throw invalidParam('amount', "'amount' rounds to 0 micro-USD");
    const account = await accounts.adjustCredits(request.params.id, micros, parsed.data.note ?? null);
    return { account: accountJson(account), amount_micros: micros, amount: parsed.data.amount, kind: micros > 0 ? 'grant' : 'adjust' };
  });

  app.get<IdParams>('/v1/admin/accounts/:id/ledger', async (request) => {
    const result = await accounts.ledger(request.params.id, parsePage(request.query));
    return { account_id: request.params.id, data: result.entries.map(ledgerEntryJson), next_cursor: result.nextCursor };
  });
};

function parsePage(query: unknown): { limit: number; cursor?: string } {
  const parsed = pageQuerySchema.safeParse(query ?? {});
  if (!parsed.success) throw invalidParamFromZod(parsed.error, 'query');
  return { limit: parsed.data.limit ?? DEFAULT_PAGE_LIMIT, ...(parsed.data.cursor === undefined ? {} : { cursor: parsed.data.cursor }) };
}
