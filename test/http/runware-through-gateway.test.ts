import sharp from 'sharp';
import { beforeEach, describe, expect, it } from 'vitest';
import { RUNWARE_FAKE_COST, startRunwareFake } from '../fakes/runware-fake.js';
import { expectApiError, postForm, postJson } from '../helpers/gateway-client.js';
import { leftHalfMask } from '../helpers/left-half-mask.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { useGatewayWithFake } from '../helpers/gateway-with-fake.js';

const KEY = 'rw-gateway-test-key-0123456789';

/** Runware behind the gateway: one variable, its AIR ids as aliases, and the cost it reports billed. */
forEachDatabase((harness) => {
  describe('runware through the gateway', () => {
    const suite = useGatewayWithFake(harness, {
      startFake: () => startRunwareFake({ apiKey: KEY }),
      overrides: (fake) => ({ env: { RUNWARE_BASE_URL: fake.baseUrl, RUNWARE_API_KEY: KEY } }),
    });
    beforeEach(() => {
      suite.fake.tasks.length = 0;
    });

    it('generates by AIR alias, rounds the size to 64s, and bills the cost Runware reported', async () => {
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        {
          model: 'runware:100@1',
          prompt: 'a cozy cabin',
          n: 2,
          size: '1000x1000',
          quality: 'low',
          output_format: 'png',
          response_format: 'b64_json',
        },
        { key: suite.gateway.key },
      );
      expect(result.status, result.text.slice(0, 300)).toBe(200);
      expect(result.body.data).toHaveLength(2);
      for (const image of result.body.data as Array<{ b64_json: string }>) {
        expect((await sharp(Buffer.from(image.b64_json, 'base64')).metadata()).format).toBe('png');
      }
      expect(result.body.cost).toBeCloseTo(2 * RUNWARE_FAKE_COST, 9);
      expect(suite.fake.tasks).toEqual([
        expect.objectContaining({ model: 'runware:100@1', numberResults: 2, width: 1024, height: 1024, steps: 1, includeCost: true }),
      ]);
    });

    it('inpaints a multipart edit on FLUX.1 [dev] with seedImage and a white = repaint maskImage', async () => {
      const picture = await sharp({ create: { width: 256, height: 128, channels: 3, background: '#884422' } })
        .png()
        .toBuffer();
      const mask = await leftHalfMask(256, 128);
      const result = await postForm(
        suite.gateway.url,
        '/v1/openai/images/edits',
        [
          ['model', 'runware/flux-1-dev'],
          ['prompt', 'a red door'],
          ['response_format', 'b64_json'],
          ['image[]', { bytes: picture, filename: 'door.png', type: 'image/png' }],
          ['mask', { bytes: mask, filename: 'mask.png', type: 'image/png' }],
        ],
        { key: suite.gateway.key },
      );
      expect(result.status, result.text.slice(0, 300)).toBe(200);
      const task = suite.fake.tasks[0];
      expect(task).toMatchObject({ model: 'runware:101@1', width: 256, height: 128, strength: 0.8 });
      const { data } = await sharp(Buffer.from(String(task?.['maskImage']).split(',')[1] ?? '', 'base64'))
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(data[64 * 256 + 10]).toBe(255);
      expect(data[64 * 256 + 200]).toBe(0);
    });

    it('answers steps out of the Runware range with a 400 naming it, before calling Runware', async () => {
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        { model: 'runware/flux-1-schnell', prompt: 'x', steps: 500 },
        { key: suite.gateway.key },
      );
      expectApiError(result, { status: 400, param: 'steps' });
      expect(suite.fake.tasks).toHaveLength(0);
    });
  });
});
