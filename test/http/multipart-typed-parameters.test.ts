import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jsonOf, type FakeUpstream, type RecordedCall } from '../fakes/fake-upstream.js';
import { startGeminiFake, type GeminiFake } from '../fakes/gemini-fake.js';
import { startImagenFake, type ImagenFake } from '../fakes/imagen-fake.js';
import { startOpenAICompatibleFake } from '../fakes/openai-compatible-fake.js';
import { expectApiError, postForm, postJson, writeOperatorConfig, type FormFields } from '../helpers/gateway-client.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/**
 * Numbers sent as multipart text reach the upstream as numbers: a form carries `seed=42` as the
 * text "42", and each adapter must still see (and send) the integer 42, as it does for JSON.
 */

const GOOGLE_KEY = 'AIza-typed-parameters-key-0123456789';
const GENERATIONS = '/v1/images/generations';

describe('multipart numbers through the gateway', () => {
  let gemini: GeminiFake;
  let imagen: ImagenFake;
  let vllm: FakeUpstream;
  let gateway: TestGateway;
  let configDir: string;

  beforeAll(async () => {
    [gemini, imagen, vllm] = await Promise.all([
      startGeminiFake({ apiKey: GOOGLE_KEY }),
      startImagenFake({ apiKey: GOOGLE_KEY }),
      startOpenAICompatibleFake({ flavor: 'vllm' }),
    ]);
    configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-typed-'));
    const configFile = await writeOperatorConfig(
      configDir,
      [
        'models:',
        '  "acme/vllm-typed":',
        '    release_date: "2026-01-01"',
        '    capabilities: {max_n: 2, parameters: [seed, guidance_scale, negative_prompt]}',
        '    pricing: {type: fixed, value: 0.01}',
        '    routes: [{provider: vllm, model: served-model}]',
        // Google shut the built-in Imagen models down; the adapter still serves operators' routes.
        '  "acme/imagen-typed":',
        '    release_date: "2026-01-01"',
        '    capabilities: {max_n: 4, parameters: [output_compression]}',
        '    pricing: {type: fixed, value: 0.01}',
        '    routes: [{provider: imagen, model: imagen-4.0-generate-001}]',
        '',
      ].join('\n'),
    );
    gateway = await startTestGateway(
      { IMAGEROUTER_CONFIG: configFile, IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
      {
        env: { GEMINI_API_KEY: GOOGLE_KEY, GEMINI_BASE_URL: gemini.baseUrl, IMAGEN_BASE_URL: imagen.baseUrl, VLLM_BASE_URL: vllm.baseUrl },
      },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([gemini?.close(), imagen?.close(), vllm?.close()]);
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const fake of [gemini, imagen, vllm]) fake.calls.length = 0;
  });

  const form = (fields: Record<string, string>): FormFields =>
    Object.entries({ prompt: 'a lighthouse at dawn', response_format: 'b64_json', output_format: 'png', ...fields });
  const generateForm = (fields: Record<string, string>) => postForm(gateway.url, GENERATIONS, form(fields), { key: gateway.key });
  const apiCall = (fake: FakeUpstream): RecordedCall => {
    const calls = fake.calls.filter((call) => call.kind === 'api' && call.method === 'POST');
    expect(calls).toHaveLength(1);
    return calls[0]!;
  };

  it('gemini: seed "42" from a form becomes generationConfig.seed 42, with no warning', async () => {
    const result = await generateForm({ model: 'google/gemini-2.5-flash', seed: '42' });
    expect(result.status, result.text).toBe(200);
    expect(result.body.warnings).toBeUndefined();
    const body = jsonOf(apiCall(gemini)) as { generationConfig: Record<string, unknown> };
    expect(body.generationConfig['seed']).toBe(42);
  });

  it('gemini: a JSON seed still arrives unchanged', async () => {
    const result = await postJson(
      gateway.url,
      GENERATIONS,
      { model: 'google/gemini-2.5-flash', prompt: 'a lighthouse', response_format: 'b64_json', output_format: 'png', seed: 7 },
      { key: gateway.key },
    );
    expect(result.status, result.text).toBe(200);
    expect(result.body.warnings).toBeUndefined();
    expect((jsonOf(apiCall(gemini)) as { generationConfig: Record<string, unknown> }).generationConfig['seed']).toBe(7);
  });

  it('imagen: output_compression "80" from a form becomes the JPEG compressionQuality 80', async () => {
    const result = await generateForm({ model: 'acme/imagen-typed', output_format: 'jpeg', output_compression: '80' });
    expect(result.status, result.text).toBe(200);
    expect(result.body.warnings).toBeUndefined();
    const body = jsonOf(apiCall(imagen)) as { parameters: { outputOptions: unknown } };
    expect(body.parameters.outputOptions).toEqual({ mimeType: 'image/jpeg', compressionQuality: 80 });
  });

  it('openai-compatible: seed and guidance_scale from a form go upstream as JSON numbers; text stays text', async () => {
    const result = await generateForm({ model: 'acme/vllm-typed', n: '2', seed: '42', guidance_scale: '7.5', negative_prompt: '123' });
    expect(result.status, result.text).toBe(200);
    expect(result.body.data).toHaveLength(2);
    const raw = apiCall(vllm).body.toString('utf8');
    expect(raw).toContain('"seed":42');
    expect(JSON.parse(raw)).toMatchObject({ n: 2, seed: 42, guidance_scale: 7.5, negative_prompt: '123' });
  });

  it('a form seed that is not a number is a 400 naming seed, and nothing goes upstream', async () => {
    const result = await generateForm({ model: 'google/gemini-2.5-flash', seed: 'abc' });
    expectApiError(result, { status: 400, param: 'seed', mentions: "'seed'" });
    expect(gemini.calls).toHaveLength(0);
  });
});
