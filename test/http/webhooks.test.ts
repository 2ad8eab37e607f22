import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContextOverrides } from '../../src/app-context.js';
import { getJson, postForm, postJson, waitFor, writeOperatorConfig, PRICED_TEST_MODEL_YAML, type Json } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/** The verification snippet of docs/accounts.md ("Webhooks"), as a receiver would write it. */
function verifyImageRouterWebhook(rawBody: Buffer, signatureHeader: string, secret: string, toleranceSeconds = 300): boolean {
  const parts = new Map(signatureHeader.split(',').map((part) => part.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = Buffer.from(parts.get('v1') ?? '', 'hex');
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Seconds-long retries: a failed attempt is tried again 150 ms later, and given up 1.5 s after the first. */
const FAST_WEBHOOKS: AppContextOverrides['webhooks'] = {
  schedule: { delaysMs: [150], thenEveryMs: 150, giveUpAfterMs: 1_500 },
  pollIntervalMs: 50,
};

const withoutWebhook = (body: Json) => {
  const { webhook: _webhook, ...rest } = body;
  return rest;
};

/** Signed webhooks: `webhook_url`, the account's secret, the outbox and its dispatcher, on each database. */
forEachDatabase((harness) => {
  describe('webhooks', () => {
    let gateway: TestGateway;
    let receiver: WebhookReceiver;
    let configDir: string;
    let configFile: string;
    let databaseUrl: string;

    beforeAll(async () => {
      configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-webhooks-'));
      configFile = await writeOperatorConfig(configDir, PRICED_TEST_MODEL_YAML);
      databaseUrl = await harness.createEmptyDatabase();
      receiver = await startWebhookReceiver();
      // The receiver listens on loopback, which the address policy refuses unless the operator allows it.
      gateway = await startTestGateway(
        { DATABASE_URL: databaseUrl, IMAGEROUTER_CONFIG: configFile, IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
        { webhooks: FAST_WEBHOOKS },
      );
      gateway.context.webhookDispatcher.start();
    });
    afterAll(async () => {
      await gateway?.close();
      await receiver?.close();
      await rm(configDir, { recursive: true, force: true });
    });

    const rotate = async (key: string): Promise<string> => {
      const created = await postJson(gateway.url, '/v1/webhooks/secret', {}, { key });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^whsec_[\w-]{40,}$/);
      expect(Number.isNaN(Date.parse(created.body.created_at))).toBe(false);
      return created.body.secret;
    };
    const generate = (key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      postJson(
        gateway.url,
        '/v1/openai/images/generations',
        { model: 'test/test', size: '64x64', output_format: 'png', ...body },
        { key, headers },
      );
    const webhookSettled = (id: string, key: string) =>
      waitFor(
        async () => {
          const result = await getJson(gateway.url, `/v1/generations/${id}`, { key });
          return result.body.webhook?.status === 'pending' || result.body.status === 'processing' ? undefined : result.body;
        },
        20_000,
        `the webhook of ${id}`,
      );
    const signature = (hook: ReceivedWebhook) => String(hook.headers['x-imagerouter-signature']);

    it('POSTs the final generation, signed, and retries after a 500 (async mode); the generation shows both attempts', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const secret = await rotate(key);
      const hookPath = '/hooks/retry';
      receiver.answer(hookPath, [500]);
      const accepted = await generate(
        key,
        { prompt: 'a harbour at dusk', webhook_url: `${receiver.url}${hookPath}` },
        { prefer: 'respond-async' },
      );
      expect(accepted.status).toBe(202);
      const id: string = accepted.body.id;

      const settled = await webhookSettled(id, key);
      expect(settled.webhook).toMatchObject({ url: `${receiver.url}${hookPath}`, status: 'delivered', next_attempt_at: null });
      expect(settled.webhook.attempts.map((attempt: Json) => attempt.http_status)).toEqual([500, 200]);
      for (const attempt of settled.webhook.attempts) {
        expect(attempt).toMatchObject({ error: null });
        expect(Number.isInteger(attempt.at) && Number.isInteger(attempt.duration_ms)).toBe(true);
      }

      const hooks = receiver.received(hookPath);
      expect(hooks).toHaveLength(2);
      for (const hook of hooks) {
        expect(hook.headers['content-type']).toBe('application/json');
        expect(verifyImageRouterWebhook(hook.rawBody, signature(hook), secret)).toBe(true);
        // One byte changed and the signature no longer holds.
        expect(verifyImageRouterWebhook(Buffer.concat([hook.rawBody, Buffer.from(' ')]), signature(hook), secret)).toBe(false);
      }
      // Both attempts carry the same delivery id, so a receiver can drop a duplicate.
      expect(hooks[0]!.headers['x-imageRouter-delivery'.toLowerCase()]).toMatch(/^whd_/);
      expect(hooks[1]!.headers['x-imagerouter-delivery']).toBe(hooks[0]!.headers['x-imagerouter-delivery']);

      const posted = JSON.parse(hooks[1]!.rawBody.toString('utf8'));
      expect(posted).toMatchObject({ id, status: 'success', cost: 0.01 });
      expect(withoutWebhook(posted)).toEqual(withoutWebhook(settled));
      expect(posted.data).toHaveLength(1);
    });

    it('works in sync mode and from a multipart field too', async () => {
      const key = await gateway.createKey();
      const secret = await rotate(key);
      const hookPath = '/hooks/multipart';
      const response = await postForm(
        gateway.url,
        '/v1/openai/images/generations',
        [
          ['model', 'test/test'],
          ['prompt', 'a lighthouse'],
          ['size', '64x64'],
          ['webhook_url', `${receiver.url}${hookPath}`],
        ],
        { key },
      );
      expect(response.status).toBe(200);
      const settled = await webhookSettled(response.body.id, key);
      expect(settled.webhook.status).toBe('delivered');
      const [hook] = receiver.received(hookPath);
      expect(verifyImageRouterWebhook(hook!.rawBody, signature(hook!), secret)).toBe(true);
      expect(JSON.parse(hook!.rawBody.toString('utf8'))).toMatchObject({ id: response.body.id, status: 'success' });
    });

    it('delivers a generation that failed, with its error', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const secret = await rotate(key);
      const hookPath = '/hooks/error';
      const accepted = await generate(
        key,
        { prompt: '[[fail:503]] down', webhook_url: `${receiver.url}${hookPath}` },
        { prefer: 'respond-async' },
      );
      expect(accepted.status).toBe(202);
      const settled = await webhookSettled(accepted.body.id, key);
      expect(settled).toMatchObject({ status: 'error', webhook: { status: 'delivered' } });
      const [hook] = receiver.received(hookPath);
      expect(verifyImageRouterWebhook(hook!.rawBody, signature(hook!), secret)).toBe(true);
      expect(JSON.parse(hook!.rawBody.toString('utf8'))).toMatchObject({
        id: accepted.body.id,
        status: 'error',
        cost: 0,
        error: { type: 'service_unavailable', status: 503 },
      });
    });

    it('signs with the newest secret after a rotation', async () => {
      const key = await gateway.createKey();
      const first = await rotate(key);
      const second = await rotate(key);
      expect(second).not.toBe(first);
      const hookPath = '/hooks/rotated';
      const response = await generate(key, { prompt: 'rotated', webhook_url: `${receiver.url}${hookPath}` });
      expect(response.status).toBe(200);
      await webhookSettled(response.body.id, key);
      const [hook] = receiver.received(hookPath);
      expect(verifyImageRouterWebhook(hook!.rawBody, signature(hook!), second)).toBe(true);
      expect(verifyImageRouterWebhook(hook!.rawBody, signature(hook!), first)).toBe(false);
    });

    it('marks a delivery failed once the schedule runs out, with every attempt shown', async () => {
      const key = await gateway.createKey();
      await rotate(key);
      const hookPath = '/hooks/down';
      receiver.answer(
        hookPath,
        Array.from({ length: 100 }, () => 503),
      );
      const response = await generate(key, { prompt: 'nobody home', webhook_url: `${receiver.url}${hookPath}` });
      expect(response.status).toBe(200);
      const settled = await webhookSettled(response.body.id, key);
      expect(settled.webhook).toMatchObject({ status: 'failed', next_attempt_at: null });
      expect(settled.webhook.attempts.length).toBeGreaterThanOrEqual(2);
      expect(settled.webhook.attempts.length).toBe(receiver.received(hookPath).length);
      expect(settled.webhook.attempts.every((attempt: Json) => attempt.http_status === 503)).toBe(true);
    });

    it('shows webhook: null on a generation without one', async () => {
      const response = await generate(gateway.key, { prompt: 'no hook' });
      const record = await getJson(gateway.url, `/v1/generations/${response.body.id}`, { key: gateway.key });
      expect(record.body.webhook).toBeNull();
    });

    it('refuses webhook_url before any work when the account has no secret', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const response = await generate(key, { prompt: 'x', webhook_url: `${receiver.url}/hooks/never` });
      expect(response.status).toBe(400);
      expect(response.body.error.param).toBe('webhook_url');
      expect(response.body.error.message).toContain('POST /v1/webhooks/secret');
      const credits = await getJson(gateway.url, '/v1/credits', { key });
      expect(credits.body.credit_usage).toBe('0.0000');
    });

    it('refuses a bad webhook_url with a 400 naming it, in JSON and multipart, async or not', async () => {
      const key = await gateway.createKey();
      await rotate(key);
      for (const url of ['ftp://example.com/hook', 'not a url', 'https://user:pw@example.com/hook', 42]) {
        const response = await generate(key, { prompt: 'x', webhook_url: url }, { prefer: 'respond-async' });
        expect(response.status).toBe(400);
        expect(response.body.error.param).toBe('webhook_url');
      }
      // Private addresses stay refused unless allowlisted: 10.0.0.0/8 is not.
      const blocked = await generate(key, { prompt: 'x', webhook_url: 'http://10.1.2.3/hook' });
      expect(blocked.status).toBe(400);
      expect(blocked.body.error).toMatchObject({ param: 'webhook_url' });
      expect(blocked.body.error.message).toContain('private');
      const form = await postForm(
        gateway.url,
        '/v1/images/edits',
        [
          ['model', 'test/test'],
          ['prompt', 'x'],
          ['webhook_url', 'javascript:alert(1)'],
        ],
        { key },
      );
      expect(form.status).toBe(400);
      expect(form.body.error.param).toBe('webhook_url');
    });

    it('keeps queued deliveries across a restart: a new process with a new dispatcher sends them', async () => {
      const hookPath = '/hooks/after-restart';
      // The main gateway shares this database: its dispatcher stops so that only the "restarted" one may send.
      await gateway.context.webhookDispatcher.stop();
      // A second gateway on the same database whose dispatcher never runs: the delivery stays queued.
      const before = await startTestGateway(
        { DATABASE_URL: databaseUrl, IMAGEROUTER_CONFIG: configFile, IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
        { webhooks: FAST_WEBHOOKS },
      );
      let id: string;
      let key: string;
      let secret: string;
      try {
        key = await before.createKey();
        const created = await postJson(before.url, '/v1/webhooks/secret', {}, { key });
        secret = created.body.secret;
        const response = await postJson(
          before.url,
          '/v1/openai/images/generations',
          { model: 'test/test', size: '64x64', prompt: 'queued', webhook_url: `${receiver.url}${hookPath}` },
          { key },
        );
        expect(response.status).toBe(200);
        id = response.body.id;
        const queued = await getJson(before.url, `/v1/generations/${id}`, { key });
        expect(queued.body.webhook).toMatchObject({ status: 'pending', attempts: [] });
      } finally {
        await before.close();
      }
      expect(receiver.received(hookPath)).toHaveLength(0);

      const after = await startTestGateway(
        { DATABASE_URL: databaseUrl, IMAGEROUTER_CONFIG: configFile, IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
        { webhooks: FAST_WEBHOOKS },
      );
      try {
        expect(await after.context.webhookDispatcher.runOnce()).toBe(1);
        const [hook] = receiver.received(hookPath);
        expect(verifyImageRouterWebhook(hook!.rawBody, signature(hook!), secret)).toBe(true);
        expect(JSON.parse(hook!.rawBody.toString('utf8'))).toMatchObject({ id, status: 'success' });
        const record = await getJson(after.url, `/v1/generations/${id}`, { key });
        expect(record.body.webhook).toMatchObject({ status: 'delivered', attempts: [{ http_status: 200 }] });
        // Delivered once: nothing is due any more.
        expect(await after.context.webhookDispatcher.runOnce()).toBe(0);
      } finally {
        await after.close();
        gateway.context.webhookDispatcher.start();
      }
    });
  });
});
