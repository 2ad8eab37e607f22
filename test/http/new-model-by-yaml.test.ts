import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBflFake, type BflFake } from '../fakes/bfl-fake.js';
import { jsonOf, type FakeUpstream } from '../fakes/fake-upstream.js';
import { startFalFake } from '../fakes/fal-fake.js';
import { getJson, postJson } from '../helpers/gateway-client.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/**
 * A model the gateway has never heard of, on a provider it already speaks to, added by the
 * operator's config file alone: the route's `options:` say what the upstream endpoint takes, and
 * the adapter builds its request from them. No code, no table entry.
 */
describe('a new model on an existing provider is a YAML edit', () => {
  const BFL_KEY = 'bfl_yaml_only_key_0123456789';
  const FAL_KEY = 'fal-yaml-only-id:fal-yaml-only-secret-0123456789';
  let bfl: BflFake;
  let fal: FakeUpstream;
  let gateway: TestGateway;
  let configDir: string;

  beforeAll(async () => {
    bfl = await startBflFake({ apiKey: BFL_KEY });
    fal = await startFalFake({ apiKey: FAL_KEY });
    configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-new-model-'));
    const configFile = path.join(configDir, 'config.yaml');
    await writeFile(
      configFile,
      `
models:
  # An endpoint BFL serves that no built-in route names.
  "black-forest-labs/FLUX-2-pro-preview":
    release_date: "2026-03-01"
    capabilities: { edit: true, max_input_images: 8, size_range: { min: 64, max: 4096 }, max_n: 2, parameters: [seed] }
    pricing: { type: upstream, estimate: 0.15, min: 0.03 }
    routes:
      - provider: bfl
        model: flux-2-pro-preview
        options:
          title: FLUX.2 [pro] preview
          size: { kind: pixels, multiple: 16, min: 64, max_pixels: 4194304 }
          image_field: input_image
          max_input_images: 8
          prompt_required: true
          safety_tolerance_max: 5
          prompt_upsampling: disable_pup
          poll_interval_ms: 10

  # A fal app no built-in route names, with its own rules.
  "black-forest-labs/FLUX-1-krea-fal":
    release_date: "2025-07-31"
    capabilities: { qualities: [auto, low, high], size_range: { min: 256, max: 2048 }, max_n: 4, parameters: [seed] }
    pricing: { type: fixed, value: 0.025 }
    routes:
      - provider: fal
        model: fal-ai/flux/krea
        options:
          image_input: none
          max_input_images: 0
          max_images_per_call: 4
          size: { kind: custom, multiple: 16, auto_size: 1024x1024 }
          steps: { low: 14, medium: 28, high: 40 }
          output_formats: [jpeg, png]
          parameters: [seed]
          poll_interval_ms: 5
`,
    );
    gateway = await startTestGateway(
      { IMAGEROUTER_CONFIG: configFile, IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
      { env: { BFL_API_KEY: BFL_KEY, BFL_BASE_URL: bfl.baseUrl, FAL_API_KEY: FAL_KEY, FAL_BASE_URL: fal.baseUrl } },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await bfl?.close();
    await fal?.close();
    await rm(configDir, { recursive: true, force: true });
  });

  const generate = (body: Record<string, unknown>) =>
    postJson(
      gateway.url,
      '/v1/openai/images/generations',
      { prompt: 'a harbour at night', response_format: 'b64_json', output_format: 'png', ...body },
      { key: gateway.key },
    );

  it('lists both models as available', async () => {
    for (const id of ['black-forest-labs/FLUX-2-pro-preview', 'black-forest-labs/FLUX-1-krea-fal']) {
      const result = await getJson(gateway.url, `/v1/models/${id}`, { key: gateway.key });
      expect(result.status, result.text).toBe(200);
      expect(result.body.available, id).toBe(true);
    }
  });

  it('serves the new BFL endpoint with the size rule its route states', async () => {
    const result = await generate({ model: 'black-forest-labs/FLUX-2-pro-preview', size: '1000x600', seed: 7 });
    expect(result.status, result.text).toBe(200);
    expect((await sharp(Buffer.from(result.body.data[0].b64_json, 'base64')).metadata()).format).toBe('png');
    const submit = bfl.calls.find((call) => call.method === 'POST' && call.path === '/v1/flux-2-pro-preview');
    expect(jsonOf(submit!)).toMatchObject({ width: 1008, height: 608, seed: 7, output_format: 'png' });
    expect(result.body.warnings).toEqual([
      expect.objectContaining({
        type: 'adapted',
        setting: 'size',
        provider: 'bfl',
        message: expect.stringContaining('FLUX.2 [pro] preview takes widths and heights in multiples of 16'),
      }),
    ]);
  });

  it('serves the new fal app with num_images, its steps and its multiple of 16', async () => {
    const result = await generate({ model: 'black-forest-labs/FLUX-1-krea-fal', size: '1000x750', quality: 'low', n: 2 });
    expect(result.status, result.text).toBe(200);
    expect(result.body.data).toHaveLength(2);
    const submits = fal.calls.filter((call) => call.kind === 'api' && call.method === 'POST' && call.path === '/fal-ai/flux/krea');
    // One call for both images: the route says the app takes num_images up to 4.
    expect(submits).toHaveLength(1);
    expect(jsonOf(submits[0]!)).toMatchObject({
      image_size: { width: 1008, height: 752 },
      num_images: 2,
      num_inference_steps: 14,
      output_format: 'png',
    });
  });
});
