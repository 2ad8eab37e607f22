import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type CreatedApiKey, createApiKey } from '../../../src/accounts/api-key-repository.js';
import type { NewGeneration } from '../../../src/accounts/generation-repository.js';
import { MICROS_PER_USD } from '../../../src/domain/money.js';
import type { DatabaseSchema } from '../../../src/db/database-schema.js';

/** A key on a new account with `usd` credits (`null` = unlimited). */
export function createKeyWithCredits(db: Kysely<DatabaseSchema>, usd: number | null, name = 'test key'): Promise<CreatedApiKey> {
  return createApiKey(db, { name, creditsMicros: usd === null ? null : Math.round(usd * MICROS_PER_USD) });
}

export function usd(amount: number): number {
  return Math.round(amount * MICROS_PER_USD);
}

export function newGeneration(owner: CreatedApiKey, overrides: Partial<NewGeneration> = {}): NewGeneration {
  return {
    id: randomUUID(),
    accountId: owner.account.id,
    apiKeyId: owner.apiKey.id,
    model: 'test/test',
    responseFormat: 'url',
    outputFormat: 'webp',
    size: '1024x1024',
    quality: 'auto',
    n: 1,
    prompt: 'a lighthouse at dusk',
    inputImageCount: 0,
    hasMask: false,
    reservedMicros: 0,
    createdAt: Date.now(),
    ...overrides,
  };
}
