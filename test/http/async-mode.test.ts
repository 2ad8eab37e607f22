import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { fetchBytes, getJson, postJson, waitFor, writeOperatorConfig, PRICED_TEST_MODEL_YAML } from '../helpers/gateway-client.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** `Prefer: respond-async`: a 202 at once, the result from GET /v1/generations/{id}. */
describe('async mode', () => {
  let gateway: TestGateway;
  let configDir: string;
  const ASYNC = { prefer: 'respond-async' };

  beforeAll(async () => {
    configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-async-'));
    gateway = await startTestGateway({ IMAGEROUTER_CONFIG: await writeOperatorConfig(configDir, PRICED_TEST_MODEL_YAML) });
  });
  afterAll(async () => {
    await gateway?.close();
    await rm(configDir, { recursive: true, force: true });
  });

  const start = (body: Record<string, unknown>, key = gateway.key) =>
    postJson(
      gateway.url,
      '/v1/openai/images/generations',
      { model: 'test/test', size: '96x64', output_format: 'png', ...body },
      { key, headers: ASYNC },
    );
  const poll = (id: string, key = gateway.key) =>
    waitFor(
      async () => {
        const result = await getJson(gateway.url, `/v1/generations/${id}`, { key });
        return result.body.status === 'processing' ? undefined : result;
      },
      20_000,
      `generation ${id} to finish`,
    );

  it('answers 202 at once and serves the result when it is ready', async () => {
    const accepted = await start({ prompt: '[[delay:2000]] a slow harbour' });
    expect(accepted.status).toBe(202);
    const id: string = accepted.body.id;
    expect(accepted.headers.get('x-generation-id')).toBe(id);
    expect(accepted.headers.get('location')).toBe(`${gateway.url}/v1/generations/${id}`);
    expect(accepted.body).toMatchObject({ object: 'image.generation', status: 'processing' });
    expect((await getJson(gateway.url, `/v1/generations/${id}`, { key: gateway.key })).body.status).toBe('processing');

    const done = await poll(id);
    expect(done.body).toMatchObject({ status: 'success', model: 'test/test', cost: 0.01 });
    const image = await fetchBytes(done.body.data[0].url);
    expect(await sharp(image.bytes).metadata()).toMatchObject({ format: 'png', width: 96, height: 64 });
  });

  it('reports a failure in the record, with the status it would have had, and releases the hold', async () => {
    const key = await gateway.createKey({ creditsMicros: 10_000 });
    const accepted = await start({ prompt: '[[delay:200]][[fail:503]] down' }, key);
    expect(accepted.status).toBe(202);
    const done = await poll(accepted.body.id, key);
    expect(done.body).toMatchObject({ status: 'error', cost: 0, error: { type: 'service_unavailable', status: 503 } });
    const credits = await getJson(gateway.url, '/v1/credits', { key });
    expect(credits.body.remaining_credits).toBe('0.0100');
  });

  it('still answers errors found before the work starts with their real status', async () => {
    const poor = await gateway.createKey({ creditsMicros: 5_000 });
    expect((await start({ prompt: 'x' }, poor)).status).toBe(402);
    const ephemeral = await start({ prompt: 'x', response_format: 'b64_ephemeral' });
    expect(ephemeral.status).toBe(400);
    expect(ephemeral.body.error.param).toBe('response_format');
    expect((await start({ prompt: 'x', size: 'abc' })).status).toBe(400);
  });

  it('shows a generation only to its own account', async () => {
    const accepted = await start({ prompt: 'mine' });
    const stranger = await gateway.createKey();
    expect((await getJson(gateway.url, `/v1/generations/${accepted.body.id}`, { key: stranger })).status).toBe(404);
    await poll(accepted.body.id);
  });
});
