import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/accounts/generation-repository.js';
import { fakeSvg, startRecraftFake, type RecraftFake } from '../fakes/recraft-fake.js';
import { fetchBytes } from '../helpers/gateway-client.js';
import { type TestGateway, startTestGateway } from '../helpers/test-gateway.js';

/**
 * SVG output (Recraft V3 Vector, through the Recraft fake) as the official `openai` SDK receives
 * it, and `DELETE /v1/generations/{id}` with the real `curl` binary.
 */

const execFileAsync = promisify(execFile);
const RECRAFT_TOKEN = 'recraft_e2e_token_0123456789abcdef';

let fake: RecraftFake;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startRecraftFake({ apiKey: RECRAFT_TOKEN });
  gateway = await startTestGateway(
    { IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
    { env: { RECRAFT_API_TOKEN: RECRAFT_TOKEN, RECRAFT_BASE_URL: fake.baseUrl } },
  );
  client = new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1/openai`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
});

/** `curl` as a user types it; answers the status and the parsed body. */
async function curlJson(method: string, url: string, key: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const { stdout } = await execFileAsync('curl', ['-sS', '-X', method, '-H', `Authorization: Bearer ${key}`, '-w', '\n%{http_code}', url]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: JSON.parse(stdout.slice(0, cut)) as Record<string, unknown> };
}

describe('SVG through the openai SDK, erased with curl', () => {
  it('images.generate with b64_json answers the SVG document byte for byte', async () => {
    const response = await client.images.generate({
      model: 'recraft/recraft-v3-vector',
      prompt: 'an icon',
      size: '1024x1024',
      response_format: 'b64_json',
    });
    expect(response.data).toHaveLength(1);
    const bytes = Buffer.from(response.data?.[0]?.b64_json ?? '', 'base64');
    expect(bytes.equals(fakeSvg(1024, 1024, 0))).toBe(true);
  });

  it('images.generate with url hosts the SVG; DELETE by curl erases it and the prompt, once', async () => {
    const response = await client.images.generate({
      model: 'recraft/recraft-v3-vector',
      prompt: 'a fox logo',
      size: '1024x1024',
      response_format: 'url',
    });
    const url = response.data?.[0]?.url ?? '';
    expect(url).toMatch(/\/storage\/[\w-]+\.svg$/);
    const hosted = await fetchBytes(url);
    expect(hosted.headers.get('content-type')).toBe('image/svg+xml');
    expect(hosted.bytes.equals(fakeSvg(1024, 1024, 0))).toBe(true);

    const id = String((response as { id?: unknown }).id);
    const stranger = await gateway.createKey({ name: 'stranger' });
    const refused = await curlJson('DELETE', `${gateway.url}/v1/generations/${id}`, stranger);
    expect(refused.status).toBe(404);
    expect((await fetchBytes(url)).status).toBe(200);

    const erased = await curlJson('DELETE', `${gateway.url}/v1/generations/${id}`, gateway.key);
    expect(erased).toEqual({ status: 200, body: { id, object: 'image.generation', deleted: true, images_deleted: 1 } });
    expect((await fetchBytes(url)).status).toBe(404);
    expect((await getGeneration(gateway.context.database.db, id))?.prompt).toBeNull();

    const again = await curlJson('DELETE', `${gateway.url}/v1/generations/${id}`, gateway.key);
    expect(again).toEqual({ status: 200, body: { id, object: 'image.generation', deleted: true, images_deleted: 0 } });
  });
});
