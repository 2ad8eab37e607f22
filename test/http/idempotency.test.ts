import { mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, writeOperatorConfig, PRICED_TEST_MODEL_YAML, type Json } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** `Idempotency-Key` on the image endpoints, on each database (Stripe's semantics). */
forEachDatabase((harness) => {
  describe('Idempotency-Key', () => {
    let gateway: TestGateway;
    let configDir: string;

    beforeAll(async () => {
      configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-idem-'));
      gateway = await startTestGateway({
        DATABASE_URL: await harness.createEmptyDatabase(),
        IMAGEROUTER_CONFIG: await writeOperatorConfig(configDir, PRICED_TEST_MODEL_YAML),
      });
    });
    afterAll(async () => {
      await gateway?.close();
      await rm(configDir, { recursive: true, force: true });
    });

    const generate = async (
      key: string,
      idempotencyKey: string | undefined,
      body: Record<string, unknown>,
      headers: Record<string, string> = {},
    ) => {
      const response = await fetch(`${gateway.url}/v1/openai/images/generations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
          ...headers,
        },
        body: JSON.stringify({ model: 'test/test', size: '64x64', output_format: 'png', ...body }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as Json };
    };
    const generationsWithPrompt = async (prompt: string) =>
      (await gateway.context.database.db.selectFrom('generations').select('id').where('prompt', '=', prompt).execute()).length;
    const remaining = async (key: string) => (await getJson(gateway.url, '/v1/credits', { key })).body.remaining_credits as string;

    it('takes over a claim whose request died before recording anything (kill -9 between claim and record)', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const accountId = (await gateway.context.keys.authenticate(key))!.accountId;
      const idem = randomUUID();
      const prompt = `an orphan ${randomUUID()}`;
      const first = await generate(key, idem, { prompt });
      expect(first.status).toBe(200);
      // Make the claim look like one a dead process left: no generation, older than any request may take.
      const orphanedAt = Date.now() - gateway.context.config.requestTimeoutMs - 60_000;
      await gateway.context.database.db
        .updateTable('idempotency_keys')
        .set({ generation_id: null, created_at: orphanedAt })
        .where('account_id', '=', accountId)
        .where('key', '=', idem)
        .execute();
      const retried = await generate(key, idem, { prompt });
      expect(retried.status).toBe(200);
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
      expect(retried.json.id).not.toBe(first.json.id);
      const replayed = await generate(key, idem, { prompt });
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
      expect(replayed.json.id).toBe(retried.json.id);
      expect(replayed.headers.get('x-imagerouter-attempts')).toBe(retried.headers.get('x-imagerouter-attempts'));
    });

    it('works from the openai SDK with the header passed per request', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1/openai` });
      const prompt = `an sdk harbour ${randomUUID()}`;
      const options = { headers: { 'Idempotency-Key': randomUUID() } };
      const body = { model: 'test/test', prompt, size: '256x256' as const, response_format: 'url' as const };
      const first = (await client.images.generate(body, options)) as unknown as { id: string; data: Array<{ url: string }> };
      const second = (await client.images.generate(body, options)) as unknown as { id: string; data: Array<{ url: string }> };
      expect(second.id).toBe(first.id);
      expect(second.data[0]!.url).toBe(first.data[0]!.url);
      expect(await generationsWithPrompt(prompt)).toBe(1);
    });

    it('replays the first result for the same key and body: same id and body, no second call or charge', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const prompt = `a harbour ${randomUUID()}`;
      for (const responseFormat of ['url', 'b64_json']) {
        const idem = randomUUID();
        const first = await generate(key, idem, { prompt, response_format: responseFormat });
        expect(first.status).toBe(200);
        expect(first.headers.get('idempotent-replayed')).toBeNull();
        const second = await generate(key, idem, { response_format: responseFormat, prompt });
        expect(second.status).toBe(200);
        expect(second.headers.get('idempotent-replayed')).toBe('true');
        expect(second.headers.get('x-generation-id')).toBe(first.json['id']);
        expect(second.text).toBe(first.text);
      }
      expect(await generationsWithPrompt(prompt)).toBe(2);
      expect(await remaining(key)).toBe('0.9800');
    });

    it('runs 10 concurrent requests with one key once: one generation, one charge, ten identical bodies', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const prompt = `[[delay:700]] a slow lighthouse ${randomUUID()}`;
      const idem = randomUUID();
      const results = await Promise.all(Array.from({ length: 10 }, () => generate(key, idem, { prompt })));
      expect(results.map((result) => result.status)).toEqual(Array(10).fill(200));
      expect(new Set(results.map((result) => result.text)).size).toBe(1);
      expect(results.filter((result) => result.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
      expect(await generationsWithPrompt(prompt)).toBe(1);
      expect(await remaining(key)).toBe('0.9900');
    });

    it('answers 409 naming the header when the key comes with another body', async () => {
      const idem = randomUUID();
      expect((await generate(gateway.key, idem, { prompt: 'a boat' })).status).toBe(200);
      const changed = await generate(gateway.key, idem, { prompt: 'a different boat' });
      expect(changed.status).toBe(409);
      expect(changed.json['error']).toMatchObject({ param: 'Idempotency-Key', code: 'idempotency_key_reused' });
    });

    it('keeps keys per account', async () => {
      const idem = randomUUID();
      const other = await gateway.createKey();
      const mine = await generate(gateway.key, idem, { prompt: 'a mill' });
      const theirs = await generate(other, idem, { prompt: 'another mill' });
      expect([mine.status, theirs.status]).toEqual([200, 200]);
      expect(theirs.headers.get('idempotent-replayed')).toBeNull();
      expect(theirs.json['id']).not.toBe(mine.json['id']);
    });

    it('rejects an invalid header with 400 and b64_ephemeral with 422, both naming the header', async () => {
      const invalid = await generate(gateway.key, 'x'.repeat(256), { prompt: 'a cat' });
      expect(invalid.status).toBe(400);
      expect(invalid.json['error']).toMatchObject({ param: 'Idempotency-Key' });
      const ephemeral = await generate(gateway.key, randomUUID(), { prompt: 'a cat', response_format: 'b64_ephemeral' });
      expect(ephemeral.status).toBe(422);
      expect(ephemeral.json['error']).toMatchObject({ param: 'Idempotency-Key' });
    });

    it('does not let a request that failed validation block a corrected retry', async () => {
      const idem = randomUUID();
      const bad = await generate(gateway.key, idem, { prompt: 'a tree', size: 'huge' });
      expect(bad.status).toBe(400);
      const corrected = await generate(gateway.key, idem, { prompt: 'a tree' });
      expect(corrected.status).toBe(200);
      expect(corrected.headers.get('idempotent-replayed')).toBeNull();
    });

    it('replays a failed generation with the same error status', async () => {
      const idem = randomUUID();
      const prompt = `[[fail:503]] down ${randomUUID()}`;
      const first = await generate(gateway.key, idem, { prompt });
      expect(first.status).toBe(503);
      const second = await generate(gateway.key, idem, { prompt });
      expect(second.status).toBe(503);
      expect(second.headers.get('x-generation-id')).toBe(first.headers.get('x-generation-id'));
      expect(second.json['error']).toEqual(first.json['error']);
      expect(await generationsWithPrompt(prompt)).toBe(1);
    });

    it('in async mode, replays the same 202 and then the finished result', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const idem = randomUUID();
      const prompt = `[[delay:500]] an async tower ${randomUUID()}`;
      const async = { prefer: 'respond-async' };
      const accepted = await Promise.all(Array.from({ length: 3 }, () => generate(key, idem, { prompt }, async)));
      expect(accepted.map((result) => result.status)).toEqual([202, 202, 202]);
      expect(new Set(accepted.map((result) => result.json['id'])).size).toBe(1);
      expect(accepted.filter((result) => result.headers.get('idempotent-replayed') === 'true')).toHaveLength(2);
      const finished = await generate(key, idem, { prompt });
      expect(finished.status).toBe(200);
      expect(finished.json['id']).toBe(accepted[0]?.json['id']);
      expect(finished.headers.get('idempotent-replayed')).toBe('true');
      expect(await generationsWithPrompt(prompt)).toBe(1);
      expect(await remaining(key)).toBe('0.9900');
    });
  });
});
