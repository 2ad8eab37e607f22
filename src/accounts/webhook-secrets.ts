import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/database-schema.js';

/** What `POST /v1/webhooks/secret` answers: the only time the secret is shown. */
export interface CreatedWebhookSecret {
  secret: string;
  createdAt: number;
}

/** Per-account webhook signing secrets. */
export interface WebhookSecrets {
  /** Creates the account's secret, or replaces it: deliveries are signed with the new one from now on. */
  rotate(accountId: string): Promise<CreatedWebhookSecret>;
  /** Whether the account has a secret (a request with `webhook_url` needs one). */
  exists(accountId: string): Promise<boolean>;
}

const SECRET_PREFIX = 'whsec_';

/** 32 random bytes: as strong as the HMAC-SHA256 key it becomes. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function createWebhookSecrets(db: Kysely<DatabaseSchema>, clock: () => number): WebhookSecrets {
  return {
    async rotate(accountId) {
      const secret = newWebhookSecret();
      const createdAt = clock();
      await db
        .insertInto('webhook_secrets')
        .values({ account_id: accountId, secret, created_at: createdAt })
        .onConflict((conflict) => conflict.column('account_id').doUpdateSet({ secret, created_at: createdAt }))
        .execute();
      return { secret, createdAt };
    },
    async exists(accountId) {
      const row = await db.selectFrom('webhook_secrets').select('account_id').where('account_id', '=', accountId).executeTakeFirst();
      return row !== undefined;
    },
  };
}

/** The secret that signs the account's deliveries now; undefined if it has none (deleted by hand). */
export async function getWebhookSecret(db: Kysely<DatabaseSchema>, accountId: string): Promise<string | undefined> {
  const row = await db.selectFrom('webhook_secrets').select('secret').where('account_id', '=', accountId).executeTakeFirst();
  return row?.secret;
}
