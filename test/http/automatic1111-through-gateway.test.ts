import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { A1111_CHECKPOINTS, startAutomatic1111Fake } from '../fakes/automatic1111-fake.js';
import { expectApiError, postForm, postJson } from '../helpers/gateway-client.js';
import { leftHalfMask } from '../helpers/left-half-mask.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { useGatewayWithFake } from '../helpers/gateway-with-fake.js';

const MODEL = 'automatic1111/stable-diffusion-v1-5';
const CREDENTIALS = 'operator:webui-api-password';

/** A self-hosted WebUI behind the gateway: configured by two variables, free, txt2img and inpaint over real HTTP. */
forEachDatabase((harness) => {
  describe('automatic1111 through the gateway', () => {
    const suite = useGatewayWithFake(harness, {
      startFake: () => startAutomatic1111Fake({ credentials: CREDENTIALS }),
      overrides: (fake) => ({ env: { AUTOMATIC1111_BASE_URL: fake.baseUrl, AUTOMATIC1111_API_KEY: CREDENTIALS } }),
    });
    beforeEach(() => {
      suite.fake.generations.length = 0;
    });

    it('generates a batch on the catalog checkpoint, at no cost', async () => {
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        {
          model: 'v1-5-pruned-emaonly',
          prompt: 'a cozy cabin',
          n: 2,
          size: '256x128',
          negative_prompt: 'blurry',
          output_format: 'png',
          response_format: 'b64_json',
        },
        { key: suite.gateway.key },
      );
      expect(result.status, result.text.slice(0, 300)).toBe(200);
      expect(result.body.data).toHaveLength(2);
      for (const image of result.body.data as Array<{ b64_json: string }>) {
        expect(await sharp(Buffer.from(image.b64_json, 'base64')).metadata()).toMatchObject({ format: 'png', width: 256, height: 128 });
      }
      expect(result.body.cost).toBe(0);
      expect(suite.fake.generations).toEqual([
        expect.objectContaining({
          path: '/sdapi/v1/txt2img',
          checkpoint: A1111_CHECKPOINTS[0],
          body: expect.objectContaining({ batch_size: 2, negative_prompt: 'blurry', width: 256, height: 128 }) as object,
        }),
      ]);
    });

    it('inpaints a multipart edit with the mask as white = repaint', async () => {
      const picture = await sharp({ create: { width: 128, height: 64, channels: 3, background: '#884422' } })
        .png()
        .toBuffer();
      const mask = await leftHalfMask(128, 64);
      const result = await postForm(
        suite.gateway.url,
        '/v1/openai/images/edits',
        [
          ['model', MODEL],
          ['prompt', 'a red door'],
          ['response_format', 'b64_json'],
          ['image[]', { bytes: picture, filename: 'door.png', type: 'image/png' }],
          ['mask', { bytes: mask, filename: 'mask.png', type: 'image/png' }],
        ],
        { key: suite.gateway.key },
      );
      expect(result.status, result.text.slice(0, 300)).toBe(200);
      const sent = suite.fake.generations[0];
      expect(sent?.path).toBe('/sdapi/v1/img2img');
      const { data } = await sharp(Buffer.from(String(sent?.body['mask']), 'base64'))
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(data[32 * 128 + 10]).toBe(255);
      expect(data[32 * 128 + 100]).toBe(0);
    });

    it('answers a seed out of range with a 400 naming it, before calling the server', async () => {
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        { model: MODEL, prompt: 'x', seed: 2 ** 40 },
        { key: suite.gateway.key },
      );
      expectApiError(result, { status: 400, param: 'seed' });
      expect(suite.fake.generations).toHaveLength(0);
    });
  });
});
