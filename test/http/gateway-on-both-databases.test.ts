import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApiKeyByToken, revokeApiKey } from '../../src/accounts/api-key-repository.js';
import { getGeneration } from '../../src/accounts/generation-repository.js';
import { addSuccessRecordTrigger } from '../helpers/success-record-trigger.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** The whole request path (auth, reserve, generate, store, settle, record) on each database. */
forEachDatabase((harness) => {
  describe('gateway', () => {
    let gateway: TestGateway;
    let configDir: string;

    beforeAll(async () => {
      configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-config-'));
      const configFile = path.join(configDir, 'config.yaml');
      await writeFile(configFile, 'models:\n  "test/test":\n    pricing: {type: fixed, value: 0.01}\n');
      gateway = await startTestGateway({ DATABASE_URL: await harness.createEmptyDatabase(), IMAGEROUTER_CONFIG: configFile });
    });
    afterAll(async () => {
      await gateway?.close();
      await rm(configDir, { recursive: true, force: true });
    });

    const generate = (key: string, body: Record<string, unknown>) =>
      fetch(`${gateway.url}/v1/openai/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test/test', prompt: 'a lighthouse', ...body }),
      });

    it(`runs on ${harness.dialect}`, () => {
      expect(gateway.context.database.dialect).toBe(harness.dialect);
    });

    it('charges a generation, serves its image and reports the balance', async () => {
      const key = await gateway.createKey({ creditsMicros: 50_000 });
      const response = await generate(key, { n: 2, size: '320x200', output_format: 'png' });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data: Array<{ url: string }>; cost: number; id: string };
      expect(body.cost).toBe(0.02);
      expect(body.data).toHaveLength(2);
      const image = await fetch(body.data[0]!.url);
      expect(image.headers.get('content-type')).toBe('image/png');
      const metadata = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 320, 200]);

      const credits = await fetch(`${gateway.url}/v1/credits?by_api_key=true`, { headers: { authorization: `Bearer ${key}` } });
      expect(await credits.json()).toMatchObject({
        remaining_credits: '0.0300',
        credit_usage: '0.0200',
        total_deposits: '0.0500',
        usage_by_api_key: [{ credit_usage: '0.0200', total_requests: 1, is_active: true }],
      });
    });

    it('refuses a request the balance cannot cover, and charges nothing', async () => {
      const key = await gateway.createKey({ creditsMicros: 15_000 });
      const response = await generate(key, { n: 2 });
      expect(response.status).toBe(402);
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe('insufficient_credits');
      const credits = await fetch(`${gateway.url}/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
      expect(((await credits.json()) as { remaining_credits: string }).remaining_credits).toBe('0.0150');
    });

    it('never overdraws under concurrency', async () => {
      const key = await gateway.createKey({ creditsMicros: 50_000 });
      const statuses = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          generate(key, { prompt: `p${index}`, size: '64x64', response_format: 'b64_ephemeral' }).then((response) => response.status),
        ),
      );
      expect(statuses.filter((status) => status === 200)).toHaveLength(5);
      expect(statuses.filter((status) => status === 402)).toHaveLength(7);
      const credits = await fetch(`${gateway.url}/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
      expect(((await credits.json()) as { remaining_credits: string }).remaining_credits).toBe('0.0000');
    });

    it('stops accepting a revoked key at once', async () => {
      const key = await gateway.createKey();
      expect((await generate(key, { size: '64x64' })).status).toBe(200);
      const found = await findApiKeyByToken(gateway.context.database.db, key);
      expect(await revokeApiKey(gateway.context.database.db, found!.apiKey.id)).toBe(found!.apiKey.id);
      const response = await generate(key, { size: '64x64' });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { message: 'Invalid API key' } });
    });

    it('releases the hold and records the error when the provider fails', async () => {
      const key = await gateway.createKey({ creditsMicros: 10_000 });
      const response = await generate(key, { prompt: '[[fail:503]] down' });
      expect(response.status).toBe(503);
      const id = response.headers.get('x-generation-id');
      expect(id).toBeTruthy();
      const credits = await fetch(`${gateway.url}/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
      expect(((await credits.json()) as { remaining_credits: string }).remaining_credits).toBe('0.0100');

      const record = await getGeneration(gateway.context.database.db, id!);
      expect(record).toMatchObject({
        status: 'error',
        costMicros: 0,
        reservedMicros: 10_000,
        httpStatus: 503,
        errorType: 'service_unavailable',
        imageCount: 0,
        outputIds: [],
      });
      expect(record?.attempts).toMatchObject([{ provider: 'test', outcome: 'error', errorKind: 'unavailable' }]);
      expect(await ledgerOf(id!)).toEqual([
        ['reserve', -10_000],
        ['release', 10_000],
      ]);
    });

    it('charges nothing when the success cannot be recorded: settle and record are one transaction', async () => {
      const key = await gateway.createKey({ creditsMicros: 10_000 });
      // The database itself refuses the success record, after the settle ran in the same transaction.
      // (A `url` answer: one with images inline is cut off instead, held-image-answer.test.ts.)
      const drop = await addSuccessRecordTrigger(gateway.context.database.db, harness.dialect, 'refuse');
      let response: Response;
      try {
        response = await generate(key, { size: '64x64', response_format: 'url' });
      } finally {
        await drop();
      }
      expect(response.status).toBe(500);
      const id = response.headers.get('x-generation-id');
      expect(id).toBeTruthy();
      const credits = await fetch(`${gateway.url}/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
      expect(((await credits.json()) as { remaining_credits: string }).remaining_credits).toBe('0.0100');
      const record = await getGeneration(gateway.context.database.db, id!);
      expect(record).toMatchObject({ status: 'error', costMicros: 0, httpStatus: 500 });
      expect(await ledgerOf(id!)).toEqual([
        ['reserve', -10_000],
        ['release', 10_000],
      ]);
    });

    async function ledgerOf(generationId: string): Promise<Array<[string, number]>> {
      const rows = await gateway.context.database.db
        .selectFrom('ledger_entries')
        .select(['kind', 'amount_micros'])
        .where('generation_id', '=', generationId)
        .orderBy('created_at')
        .orderBy('kind', 'desc')
        .execute();
      return rows.map((row) => [row.kind, Number(row.amount_micros)]);
    }
  });
});
