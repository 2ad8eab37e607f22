import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGatewayReplicas, type GatewayReplica, type GatewayReplicas } from '../helpers/gateway-replicas.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { redisAvailable, removeRedisKeys, TEST_REDIS_URL, uniqueRedisPrefix } from '../helpers/test-redis.js';
import { startTestS3Server, type TestS3Server } from '../helpers/test-s3-server.js';
import { forEachDatabase } from '../helpers/test-databases.js';

const ADMIN_KEY = 'sk-ir-admin-replicas-test-0123456789abcdef';

async function call(
  replica: GatewayReplica,
  key: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${replica.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Behind the load balancer both replicas answer to this address; tests reach each one on its own port. */
const PUBLIC_URL = 'https://images.example.test';

/** The same path on a given replica: what the load balancer would do with a hosted URL. */
const onReplica = (replica: GatewayReplica, hostedUrl: string) => `${replica.url}${new URL(hostedUrl).pathname}`;

/**
 * Two `imagerouter serve` processes on one database, one Redis and one S3 bucket (s3rver), as
 * behind a load balancer: what one replica does, the other sees at once, and money is exact
 * across both.
 */
forEachDatabase((harness) => {
  let configDir: string;
  let cluster: GatewayReplicas;
  let a: GatewayReplica;
  let b: GatewayReplica;
  let receiver: WebhookReceiver;
  let s3: TestS3Server;
  const redisPrefix = uniqueRedisPrefix();

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    s3 = await startTestS3Server();
    configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-replicas-'));
    const configFile = path.join(configDir, 'config.yaml');
    // One cent per image: credits for 50 images are $0.50.
    await writeFile(configFile, 'models:\n  "test/test":\n    pricing: {type: fixed, value: 0.01}\n');
    const databaseUrl = await harness.createEmptyDatabase();
    cluster = await startGatewayReplicas(2, {
      DATABASE_URL: databaseUrl,
      IMAGEROUTER_CONFIG: configFile,
      IMAGEROUTER_ADMIN_KEY: ADMIN_KEY,
      // A short lease, so a dead replica's work is found within seconds, yet long enough that a replica
      // starved of CPU by 200 concurrent requests on a loaded CI machine still renews its own in time
      // (at 1 s, the other replica took some of them for abandoned). The webhook receiver is on loopback.
      IMAGEROUTER_GENERATION_LEASE_MS: '5000',
      IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1',
      PUBLIC_URL,
      ...s3.env,
      // Without Redis (a laptop without it), the limit test below is skipped; CI=true requires Redis.
      ...(redisAvailable ? { REDIS_URL: TEST_REDIS_URL, IMAGEROUTER_REDIS_PREFIX: redisPrefix } : {}),
    });
    [a, b] = cluster.replicas as [GatewayReplica, GatewayReplica];
  }, 180_000);
  afterAll(async () => {
    await cluster?.stopAll();
    await receiver?.close();
    await s3?.close();
    if (redisAvailable) await removeRedisKeys(redisPrefix);
    await rm(configDir, { recursive: true, force: true });
  });

  it('200 concurrent priced requests over both replicas against credits for 50: exactly 50 succeed, the balance ends at 0', async () => {
    const created = await call(a, ADMIN_KEY, 'POST', '/v1/admin/keys', { name: 'fifty', credits: 0.5 });
    expect(created.status).toBe(201);
    const key = String(created.body['key']);
    const request = { model: 'test/test', prompt: 'a lighthouse', size: '64x64', response_format: 'b64_json' };
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) => call(index % 2 === 0 ? a : b, key, 'POST', '/v1/openai/images/generations', request)),
    );
    const statuses = results.map((result) => result.status);
    const unexpected = results.filter((result) => result.status !== 200 && result.status !== 402);
    expect(unexpected, `${JSON.stringify(unexpected.slice(0, 3))}\n${a.output()}\n${b.output()}`).toEqual([]);
    expect(statuses.filter((status) => status === 200).length).toBe(50);
    expect(statuses.filter((status) => status === 402).length).toBe(150);
    // Both replicas served some of the 50.
    const servedBy = (replica: GatewayReplica) =>
      results.filter((result, index) => result.status === 200 && (index % 2 === 0 ? a : b) === replica).length;
    expect(servedBy(a)).toBeGreaterThan(0);
    expect(servedBy(b)).toBeGreaterThan(0);
    for (const replica of [a, b]) {
      const credits = await call(replica, key, 'GET', '/v1/credits');
      expect(credits.status).toBe(200);
      expect(credits.body).toMatchObject({ remaining_credits: '0.0000' });
    }
  }, 180_000);

  it('a key revoked on one replica is refused by the other on its next request', async () => {
    const created = await call(a, ADMIN_KEY, 'POST', '/v1/admin/keys', { name: 'short-lived' });
    const key = String(created.body['key']);
    const id = String(created.body['id']);
    expect((await call(b, key, 'GET', '/v1/credits')).status).toBe(200);
    const revoked = await call(a, key, 'DELETE', `/v1/keys/${id}`);
    expect(revoked).toMatchObject({ status: 200, body: { revoked: true } });
    const refused = await call(b, key, 'GET', '/v1/credits');
    expect(refused.status).toBe(401);
  }, 60_000);

  it.skipIf(!redisAvailable)(
    'a per-key limit of 10 requests a minute holds across both replicas (Redis)',
    async () => {
      const created = await call(a, ADMIN_KEY, 'POST', '/v1/admin/keys', { name: 'ten-a-minute', requests_per_minute: 10 });
      expect(created.status).toBe(201);
      const key = String(created.body['key']);
      const request = { model: 'test/test', prompt: 'a kite', size: '64x64', response_format: 'b64_ephemeral' };
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, index) => call(index % 2 === 0 ? a : b, key, 'POST', '/v1/openai/images/generations', request)),
      );
      const statuses = results.map((result) => result.status);
      // A replica that served the limit in process (Redis skipped) admits up to 10 on its own: say so.
      const fallbacks = await Promise.all(
        [a, b].map(async (replica) =>
          (await (await fetch(`${replica.url}/metrics`)).text()).match(/^imagerouter_redis_fallbacks_total.*$/gm),
        ),
      );
      expect(statuses.filter((status) => status === 200).length, JSON.stringify(fallbacks)).toBe(10);
      expect(statuses.filter((status) => status === 429).length).toBe(14);
    },
    60_000,
  );

  it("an image stored by one replica is served at the other's URL and is an edit input there (S3)", async () => {
    const created = await call(a, ADMIN_KEY, 'POST', '/v1/admin/keys', { name: 'images' });
    const key = String(created.body['key']);
    const generated = await call(a, key, 'POST', '/v1/openai/images/generations', {
      model: 'test/test',
      prompt: 'a lighthouse stored by A',
      size: '64x64',
      output_format: 'png',
      response_format: 'url',
    });
    expect(generated.status).toBe(200);
    const hosted = (generated.body['data'] as Array<{ url: string }>)[0]!.url;
    expect(hosted.startsWith(`${PUBLIC_URL}/storage/`)).toBe(true);
    const [viaA, viaB] = await Promise.all([fetch(onReplica(a, hosted)), fetch(onReplica(b, hosted))]);
    expect(viaB.status).toBe(200);
    expect(viaB.headers.get('content-type')).toBe('image/png');
    const bytesViaB = Buffer.from(await viaB.arrayBuffer());
    expect(bytesViaB.equals(Buffer.from(await viaA.arrayBuffer()))).toBe(true);
    expect(bytesViaB.subarray(1, 4).toString('latin1')).toBe('PNG');

    const form = new FormData();
    form.append('model', 'test/test');
    form.append('prompt', 'add a boat');
    form.append('image[]', hosted);
    form.append('response_format', 'b64_json');
    form.append('output_format', 'png');
    const edited = await fetch(`${b.url}/v1/openai/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: form,
    });
    const editedBody = (await edited.json()) as { data?: Array<{ b64_json: string }> };
    expect(edited.status, JSON.stringify(editedBody)).toBe(200);
    expect(Buffer.from(editedBody.data![0]!.b64_json, 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');
  }, 60_000);

  // Last: it kills replica A.
  it('killing a replica mid async job: the other takes it over and finishes it, with one charge and one webhook', async () => {
    const created = await call(a, ADMIN_KEY, 'POST', '/v1/admin/keys', { name: 'async', credits: 1 });
    const key = String(created.body['key']);
    expect((await call(a, key, 'POST', '/v1/webhooks/secret', {})).status).toBe(201);
    const hookPath = '/hooks/takeover';
    const accepted = await fetch(`${a.url}/v1/openai/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', prefer: 'respond-async' },
      // Long enough to be killed in the middle of it.
      body: JSON.stringify({
        model: 'test/test',
        prompt: '[[delay:4000]] a fox in the snow',
        size: '64x64',
        output_format: 'png',
        response_format: 'url',
        webhook_url: `${receiver.url}${hookPath}`,
      }),
    });
    const acceptedBody = (await accepted.json()) as Record<string, unknown>;
    expect(accepted.status, JSON.stringify(acceptedBody)).toBe(202);
    const id = String(acceptedBody['id']);
    await a.kill();

    const finished = await expect
      .poll(async () => (await call(b, key, 'GET', `/v1/generations/${id}`)).body, { timeout: 60_000, interval: 250 })
      .toMatchObject({ status: 'success' });
    void finished;
    const record = (await call(b, key, 'GET', `/v1/generations/${id}`)).body;
    const data = record['data'] as Array<{ url: string }>;
    expect(data).toHaveLength(1);
    const image = await fetch(onReplica(b, data[0]!.url));
    expect(image.status).toBe(200);
    expect(
      Buffer.from(await image.arrayBuffer())
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');

    // One charge: $1 of credits less one cent.
    expect((await call(b, key, 'GET', '/v1/credits')).body).toMatchObject({ remaining_credits: '0.9900' });
    // One webhook, for the final state; none from the dead replica.
    await expect.poll(() => receiver.received(hookPath).length, { timeout: 30_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received(hookPath)).toHaveLength(1);
    expect(JSON.parse(receiver.received(hookPath)[0]!.rawBody.toString('utf8'))).toMatchObject({ id, status: 'success' });
  }, 120_000);
});
