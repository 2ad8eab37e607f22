import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration, getStoredImage } from '../../../src/accounts/generation-repository.js';
import { sweepExpiredImages } from '../../../src/storage/sweep-expired-images.js';
import { startTestGateway, type TestGateway } from '../../helpers/test-gateway.js';

const DAY_MS = 86_400_000;

describe('sweepExpiredImages', () => {
  let gateway: TestGateway;
  let now = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    gateway = await startTestGateway({ IMAGEROUTER_RETENTION_DAYS: '30' }, { clock: () => now });
  });
  afterAll(() => gateway?.close());

  const generate = async (prompt: string) => {
    const response = await fetch(`${gateway.url}/v1/openai/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test/test', prompt, size: '64x64' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: string; data: Array<{ url: string }> };
    return { id: body.id, file: body.data[0]!.url.split('/').pop()! };
  };

  it('deletes images and prompts past the retention window, and keeps newer ones', async () => {
    const old = await generate('an old prompt');
    now += 20 * DAY_MS;
    const recent = await generate('a recent prompt');
    const imagesDir = path.join(gateway.dataDir, 'images');
    expect((await readdir(imagesDir)).sort()).toEqual([old.file, recent.file].sort());

    now += 11 * DAY_MS; // old is 31 days old, recent 11
    const deleted = await sweepExpiredImages({ db: gateway.context.database.db, store: gateway.context.store, now, retentionDays: 30 });
    expect(deleted).toBe(1);
    expect(await readdir(imagesDir)).toEqual([recent.file]);
    expect(await getStoredImage(gateway.context.database.db, old.file.split('.')[0]!)).toBeUndefined();
    expect((await fetch(`${gateway.url}/storage/${old.file}`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/storage/${recent.file}`)).status).toBe(200);
    expect((await getGeneration(gateway.context.database.db, old.id))?.prompt).toBeNull();
    expect((await getGeneration(gateway.context.database.db, recent.id))?.prompt).toBe('a recent prompt');

    expect(await sweepExpiredImages({ db: gateway.context.database.db, store: gateway.context.store, now, retentionDays: 30 })).toBe(0);
  });
});
