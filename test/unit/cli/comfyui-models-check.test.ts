import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCatalogModels } from '../../../src/cli/check-catalog-models.js';
import { startComfyuiFake, type ComfyuiFake } from '../../fakes/comfyui-fake.js';

const TOKEN = 'comfyui-models-check-token';

/** `models check` against the fake's `GET /models/checkpoints`, with the built-in catalog's ComfyUI routes. */
describe('imagerouter models check: comfyui', () => {
  let fake: ComfyuiFake;

  beforeAll(async () => {
    fake = await startComfyuiFake({ token: TOKEN });
    // The server lost the FLUX checkpoint and holds one no route names.
    fake.checkpoints.splice(0, Infinity, 'sd_xl_base_1.0.safetensors', 'juggernautXL_v9.safetensors');
  });
  afterAll(() => fake?.close());

  it('lists the checkpoints folder with the proxy token: a missing workflow checkpoint and an added one', async () => {
    const report = await checkCatalogModels({ COMFYUI_BASE_URL: fake.baseUrl, COMFYUI_API_KEY: TOKEN }, { provider: 'comfyui' });
    const result = report.instances.find((candidate) => candidate.instance === 'comfyui');
    expect(result).toMatchObject({
      status: 'checked',
      missing: [{ model: 'comfyui/flux-1-schnell', upstream_model: 'flux1-schnell-fp8.safetensors' }],
      added: ['juggernautXL_v9.safetensors'],
    });
    const listed = fake.calls.filter((call) => call.path === '/models/checkpoints');
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((call) => call.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });
});
