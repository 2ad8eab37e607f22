import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { startComfyuiFake } from '../fakes/comfyui-fake.js';
import { expectApiError, postForm, postJson } from '../helpers/gateway-client.js';
import { leftHalfMask } from '../helpers/left-half-mask.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { useGatewayWithFake } from '../helpers/gateway-with-fake.js';

const SDXL = 'comfyui/sdxl-base-1.0';
const TOKEN = 'proxy-bearer-token-for-comfyui';

/** A self-hosted ComfyUI behind the gateway: two variables, free, catalog workflows over real HTTP. */
forEachDatabase((harness) => {
  describe('comfyui through the gateway', () => {
    const suite = useGatewayWithFake(harness, {
      startFake: () => startComfyuiFake({ token: TOKEN }),
      overrides: (fake) => ({ env: { COMFYUI_BASE_URL: fake.baseUrl, COMFYUI_API_KEY: TOKEN } }),
    });
    beforeEach(() => {
      suite.fake.prompts.length = 0;
    });

    it('generates a FLUX batch from the shipped workflow, at no cost', async () => {
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        {
          model: 'comfyui/flux-1-schnell',
          prompt: 'a cozy cabin',
          n: 2,
          size: '512x256',
          seed: 99,
          output_format: 'png',
          response_format: 'b64_json',
        },
        { key: suite.gateway.key },
      );
      expect(result.status, result.text.slice(0, 300)).toBe(200);
      expect(result.body.data).toHaveLength(2);
      for (const image of result.body.data as Array<{ b64_json: string }>)
        expect(await sharp(Buffer.from(image.b64_json, 'base64')).metadata()).toMatchObject({ format: 'png', width: 512, height: 256 });
      expect(result.body.cost).toBe(0);
      expect(suite.fake.prompts).toHaveLength(1);
      expect(suite.fake.prompts[0]?.['5']?.inputs).toEqual({ width: 512, height: 256, batch_size: 2 });
      expect(suite.fake.prompts[0]?.['3']?.inputs).toMatchObject({ seed: 99, steps: 4 });
      expect(suite.fake.prompts[0]?.['6']?.inputs['text']).toBe('a cozy cabin');
    });

    it('inpaints a multipart SDXL edit with the mask merged into the uploaded image', async () => {
      const picture = await sharp({ create: { width: 128, height: 64, channels: 3, background: '#884422' } })
        .png()
        .toBuffer();
      const mask = await leftHalfMask(128, 64);
      const result = await postForm(
        suite.gateway.url,
        '/v1/openai/images/edits',
        [
          ['model', SDXL],
          ['prompt', 'a red door'],
          ['response_format', 'b64_json'],
          ['image[]', { bytes: picture, filename: 'door.png', type: 'image/png' }],
          ['mask', { bytes: mask, filename: 'mask.png', type: 'image/png' }],
        ],
        { key: suite.gateway.key },
      );
      expect(result.status, result.text.slice(0, 300)).toBe(200);
      const graph = suite.fake.prompts[0];
      expect(graph?.['12']?.class_type).toBe('SetLatentNoiseMask');
      const loaded = suite.fake.inputs.get(String(graph?.['10']?.inputs['image']));
      const { data } = await sharp(loaded).raw().toBuffer({ resolveWithObject: true });
      expect(data[(32 * 128 + 10) * 4 + 3]).toBe(0);
      expect(data[(32 * 128 + 100) * 4 + 3]).toBe(255);
    });

    it('answers an edit on the text-only FLUX workflow with a 400 naming image[], before calling the server', async () => {
      const picture = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } })
        .png()
        .toBuffer();
      const result = await postForm(
        suite.gateway.url,
        '/v1/openai/images/edits',
        [
          ['model', 'comfyui/flux-1-schnell'],
          ['prompt', 'x'],
          ['image[]', { bytes: picture, filename: 'a.png', type: 'image/png' }],
        ],
        { key: suite.gateway.key },
      );
      expectApiError(result, { status: 400, param: 'image[]' });
      expect(suite.fake.prompts).toHaveLength(0);
    });
  });
});
