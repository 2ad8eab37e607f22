import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_FAKE_API_KEY, startOpenAIFake, type OpenAIFake } from '../fakes/openai-fake.js';
import { freePort } from '../helpers/free-port.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'imagerouter.js');
/** Variables that would configure the child beyond what the test sets (as in the cold-start bench). */
const CONFIG_PATTERN = /^(IMAGEROUTER_|DATABASE_URL$|PUBLIC_URL$|PORT$|HOST$|LOG_LEVEL$|REDIS_URL$|S3_)/;
const ADMIN_KEY = 'bundle-test-admin-key-0123456789abcdef';

/**
 * `npm start` runs the bundled server (dist/bundle/, scripts/bundle-server.js): one file set made
 * from tsc's output, which finds the catalog, the built catalog and the dashboard by paths relative
 * to itself. It must answer exactly what the sources answer in process.
 */
describe('the bundled server (`imagerouter serve`)', () => {
  let child: ChildProcess;
  let url: string;
  let dataDir: string;
  let inProcess: TestGateway;
  let upstream: OpenAIFake;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-bundle-'));
    url = `http://127.0.0.1:${await freePort()}`;
    upstream = await startOpenAIFake();
    receiver = await startWebhookReceiver();
    // Both see the same providers, so both list the same availability.
    const providerEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONFIG_PATTERN.test(name))),
      OPENAI_API_KEY: OPENAI_FAKE_API_KEY,
      OPENAI_BASE_URL: upstream.baseUrl,
    };
    const env = {
      ...providerEnv,
      IMAGEROUTER_DATA_DIR: dataDir,
      PORT: new URL(url).port,
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      IMAGEROUTER_ADMIN_KEY: ADMIN_KEY,
      // The webhook receiver is on loopback.
      IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1',
    };
    child = spawn(process.execPath, [bin, 'serve'], { env, cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    inProcess = await startTestGateway({ PUBLIC_URL: url }, { env: providerEnv });
    for (let attempt = 0; ; attempt += 1) {
      if (child.exitCode !== null) throw new Error(`the bundled server exited with ${child.exitCode}`);
      if (
        await fetch(`${url}/health`).then(
          (response) => response.ok,
          () => false,
        )
      )
        break;
      if (attempt > 600) throw new Error('the bundled server did not become healthy');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 180_000);
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    await inProcess?.close();
    await upstream?.close();
    await receiver?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = (pathname: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${pathname}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('calls a provider over HTTP for the openai SDK: the OpenAI fake answers, the image comes back whole', async () => {
    const callsBefore = upstream.calls.length;
    const client = new OpenAI({ apiKey: ADMIN_KEY, baseURL: `${url}/v1/openai`, maxRetries: 0 });
    const result = await client.images.generate({
      model: 'openai/gpt-image-2',
      prompt: 'a lighthouse',
      size: '1024x1024',
      output_format: 'png',
      response_format: 'b64_json',
    });
    expect(Buffer.from(result.data![0]!.b64_json!, 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(upstream.calls.length).toBe(callsBefore + 1);
  });

  it('delivers a webhook over HTTP', async () => {
    expect((await post('/v1/webhooks/secret', {})).status).toBe(201);
    const accepted = await post(
      '/v1/openai/images/generations',
      { model: 'test/test', prompt: 'a fox', size: '64x64', response_format: 'url', webhook_url: `${receiver.url}/hooks/bundle` },
      { prefer: 'respond-async' },
    );
    const acceptedBody = (await accepted.json()) as { id?: string };
    expect(accepted.status, JSON.stringify(acceptedBody)).toBe(202);
    await expect.poll(() => receiver.received('/hooks/bundle').length, { timeout: 30_000 }).toBe(1);
    expect(JSON.parse(receiver.received('/hooks/bundle')[0]!.rawBody.toString('utf8'))).toMatchObject({
      id: acceptedBody.id,
      status: 'success',
    });
  });

  it('lists the same catalog, byte for byte, as the sources in process', async () => {
    for (const pathname of ['/v1/models', '/v2/models', '/v1/openai/models', '/v1/models/test/test']) {
      const bundled = await fetch(`${url}${pathname}`);
      const sources = await fetch(`${inProcess.url}${pathname}`);
      expect(bundled.status, pathname).toBe(200);
      expect(await bundled.text(), pathname).toBe(await sources.text());
    }
  });

  it('serves the same OpenAPI document and docs page, built on first request', async () => {
    const bundled = await fetch(`${url}/openapi.json`);
    expect(bundled.status).toBe(200);
    const document = (await bundled.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toContain('/v1/openai/images/generations');
    expect(document).toEqual(await fetch(`${inProcess.url}/openapi.json`).then((response) => response.json()));
    const docs = await fetch(`${url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await docs.text()).toBe(await fetch(`${inProcess.url}/docs`).then((response) => response.text()));
  });

  it('serves the dashboard from web/dist, gzipped on request and plain otherwise', async () => {
    const index = await fetch(`${url}/`, { headers: { 'accept-encoding': 'identity' } });
    expect(index.status).toBe(200);
    const html = await index.text();
    expect(html).toContain('<div id="root">');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const plain = Buffer.from(await (await fetch(`${url}${script}`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
    // undici's fetch would decode gzip itself: read the raw bytes with node:http semantics instead.
    const { request } = await import('node:http');
    const gzipped = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      request(`${url}${script}`, { headers: { 'accept-encoding': 'gzip' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }));
        response.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
    expect(gzipped.encoding).toBe('gzip');
    expect(gzipped.body.length).toBeLessThan(plain.length);
    expect(gunzipSync(gzipped.body).equals(plain)).toBe(true);
  });
});
