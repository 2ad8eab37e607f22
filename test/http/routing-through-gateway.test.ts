import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/accounts/generation-repository.js';
import { startBflFake, type BflFake } from '../fakes/bfl-fake.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { postJson } from '../helpers/gateway-client.js';

/**
 * Routing end to end: one model served by two BFL instances (A first, B as fallback), each a
 * wire-faithful fake scripted per test. The client sees only the gateway.
 */
describe('routing through the gateway', () => {
  const KEY_A = 'bfl_key_a_0123456789';
  const KEY_B = 'bfl_key_b_0123456789';
  let fakeA: BflFake;
  let fakeB: BflFake;
  let gateway: TestGateway;
  let configDir: string;
  const now = { value: Date.now() };

  beforeAll(async () => {
    fakeA = await startBflFake({ apiKey: KEY_A });
    fakeB = await startBflFake({ apiKey: KEY_B });
    configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-routing-'));
    const configFile = path.join(configDir, 'config.yaml');
    await writeFile(
      configFile,
      [
        'providers:',
        `  bfl-a: {type: bfl, base_url: "${fakeA.baseUrl}"}`,
        `  bfl-b: {type: bfl, base_url: "${fakeB.baseUrl}"}`,
        'routing:',
        '  backoff_base_ms: 20',
        '  circuit_breaker: {failure_threshold: 4, open_ms: 60000}',
        'models:',
        '  "acme/routed-flux":',
        '    release_date: "2026-01-01"',
        '    capabilities: {qualities: [auto], max_n: 2, size_range: {min: 256, max: 1440}}',
        '    pricing: {type: fixed, value: 0.04}',
        '    routes:',
        '      - provider: bfl-a',
        '        model: flux-pro-1.1',
        '        priority: 0',
        '        options: &flux11',
        '          {title: "FLUX1.1 [pro]", size: {kind: pixels, multiple: 32, min: 256, max: 1440}, prompt_required: false, safety_tolerance_max: 6, prompt_upsampling: prompt_upsampling, poll_interval_ms: 10}',
        '      - {provider: bfl-b, model: flux-pro-1.1, priority: 1, options: *flux11}',
        '',
      ].join('\n'),
    );
    gateway = await startTestGateway(
      { IMAGEROUTER_CONFIG: configFile, IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1', IMAGEROUTER_REQUEST_TIMEOUT_MS: '3000' },
      { env: { BFL_A_API_KEY: KEY_A, BFL_B_API_KEY: KEY_B }, clock: () => now.value },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await fakeA?.close();
    await fakeB?.close();
    await rm(configDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fakeA.calls.length = 0;
    fakeB.calls.length = 0;
  });

  const generate = (body: Record<string, unknown> = {}) =>
    postJson(
      gateway.url,
      '/v1/openai/images/generations',
      {
        model: 'acme/routed-flux',
        prompt: 'a harbour at night',
        size: '512x512',
        response_format: 'b64_json',
        output_format: 'png',
        ...body,
      },
      { key: gateway.key },
    );
  const submissions = (fake: BflFake) => fake.calls.filter((call) => call.method === 'POST' && call.path.endsWith('/flux-pro-1.1'));

  it('serves from route A with a real image, the key only on API calls', async () => {
    const result = await generate();
    expect(result.status, result.text).toBe(200);
    const image = Buffer.from(result.body.data[0].b64_json, 'base64');
    expect((await sharp(image).metadata()).format).toBe('png');
    expect(result.headers.get('x-imagerouter-attempts')).toMatch(/^bfl-a#0=ok;\d+ms$/);
    expect(submissions(fakeA)).toHaveLength(1);
    expect(submissions(fakeB)).toHaveLength(0);
    for (const call of fakeA.calls.filter((recorded) => recorded.kind === 'cdn')) expect(call.headers['x-key']).toBeUndefined();
  });

  it('retries a 429 once after its Retry-After and succeeds on the same route', async () => {
    fakeA.enqueue('rate_limited');
    const started = Date.now();
    const result = await generate();
    expect(result.status, result.text).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(result.headers.get('x-imagerouter-attempts')).toMatch(/^bfl-a#0=429;\d+ms;retry_in=2000ms, bfl-a#0=ok;\d+ms$/);
    expect(submissions(fakeB)).toHaveLength(0);
  });

  it('falls back to route B when A keeps failing with 500, and the record keeps every attempt', async () => {
    fakeA.enqueue('server_error', 'server_error', 'server_error');
    const result = await generate();
    expect(result.status, result.text).toBe(200);
    const header = result.headers.get('x-imagerouter-attempts') ?? '';
    expect(header.split(', ').map((part) => part.split(';')[0])).toEqual(['bfl-a#0=500', 'bfl-a#0=500', 'bfl-a#0=500', 'bfl-b#0=ok']);
    const record = await getGeneration(gateway.context.database.db, result.body.id);
    expect(record?.status).toBe('success');
    expect(record?.provider).toBe('bfl-b');
    expect(
      (record?.attempts as Array<{ provider: string; outcome: string; upstreamStatus?: number }>).map((attempt) => [
        attempt.provider,
        attempt.outcome,
        attempt.upstreamStatus,
      ]),
    ).toEqual([
      ['bfl-a', 'error', 500],
      ['bfl-a', 'error', 500],
      ['bfl-a', 'error', 500],
      ['bfl-b', 'success', undefined],
    ]);
  });

  it('returns a content-policy refusal from A without trying B', async () => {
    fakeA.enqueue('content_policy');
    const result = await generate();
    expect(result.status).toBe(400);
    expect(result.body.error.type).toBe('content_policy_violation');
    expect(submissions(fakeB)).toHaveLength(0);
    const record = await getGeneration(gateway.context.database.db, result.headers.get('x-generation-id')!);
    expect(record?.status).toBe('error');
    expect(record?.costMicros).toBe(0);
  });

  it('abandons a route past the deadline with a 504 naming the provider', async () => {
    fakeA.enqueue('slow');
    fakeA.slowMs = 10_000;
    const result = await generate();
    expect(result.status).toBe(504);
    expect(result.body.error.message).toContain("'bfl-a'");
  });

  it('fans out n=2 over two one-image tasks', async () => {
    const result = await generate({ n: 2 });
    expect(result.status, result.text).toBe(200);
    expect(result.body.data).toHaveLength(2);
    expect(submissions(fakeA)).toHaveLength(2);
    expect(result.body.cost).toBe(0.08);
  });
  it('skips an open circuit, then lets a trial through after the cool-down and recovers', async () => {
    fakeA.enqueue('server_error', 'server_error', 'server_error');
    expect((await generate()).status).toBe(200); // three failures on A; B serves
    fakeA.enqueue('server_error');
    expect((await generate()).status).toBe(200); // the fourth in a row opens A's circuit
    fakeA.calls.length = 0;
    const skipped = await generate();
    expect(skipped.status).toBe(200);
    expect(skipped.headers.get('x-imagerouter-attempts')).toMatch(/^bfl-a#0=circuit_open;0ms, bfl-b#0=ok;\d+ms$/);
    expect(submissions(fakeA)).toHaveLength(0);

    now.value += 61_000;
    const recovered = await generate();
    expect(recovered.status).toBe(200);
    expect(recovered.headers.get('x-imagerouter-attempts')).toMatch(/^bfl-a#0=ok;\d+ms$/);
  });
});
