import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { stabilityProvider } from '../../src/providers/stability/stability-provider.js';
import { formDataOf } from '../fakes/fake-upstream.js';
import { startStabilityFake, STABILITY_FAKE_API_KEY } from '../fakes/stability-fake.js';
import { expectApiError, getJson, postForm, postJson } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { useGatewayWithFake } from '../helpers/gateway-with-fake.js';

/** A PNG whose left half is transparent: OpenAI's mask for "edit the left half". */
async function png(width: number, height: number, transparentLeft: boolean): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1)
      raw.writeUInt32BE(((0x8899aa << 8) | (transparentLeft && x < width / 2 ? 0 : 255)) >>> 0, (y * width + x) * 4);
  }
  return sharp(raw, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

/** The Stability adapter inside a real gateway with the built-in catalog, through real HTTP, on each database. */
forEachDatabase((harness) => {
  describe('stability through the gateway', () => {
    const suite = useGatewayWithFake(harness, {
      startFake: () => startStabilityFake({ contentPolicyAs: 'filtered' }),
      overrides: (fake) => ({
        providers: [stabilityProvider.createAdapter()],
        env: { STABILITY_API_KEY: STABILITY_FAKE_API_KEY, STABILITY_BASE_URL: fake.baseUrl },
      }),
    });

    const remaining = async (key: string) => (await getJson(suite.gateway.url, '/v1/credits', { key })).body.remaining_credits as string;

    it('generates with Core by its alias: one request per image, the size as a ratio, the catalog price', async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      const before = suite.fake.calls.length;
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        { model: 'stable-image-core', prompt: 'a cobalt travel mug', size: '1920x1080', n: 2, response_format: 'b64_json' },
        { key },
      );
      expect(result.status, result.text).toBe(200);
      expect(result.body.data).toHaveLength(2);
      expect(result.body.cost).toBeCloseTo(0.06, 9);
      const calls = suite.fake.calls.slice(before);
      expect(calls).toHaveLength(2);
      expect((await formDataOf(calls[0]!)).get('aspect_ratio')).toBe('16:9');
      const metadata = await sharp(Buffer.from(result.body.data[0].b64_json as string, 'base64')).metadata();
      expect([metadata.width, metadata.height]).toEqual([1344, 768]);
      expect(await remaining(key)).toBe('0.9400');
    });

    it('inpaints a multipart edit with the mask converted to white = edit', async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      const result = await postForm(
        suite.gateway.url,
        '/v1/openai/images/edits',
        [
          ['model', 'stability/inpaint'],
          ['prompt', 'a walnut side table'],
          ['grow_mask', '6'],
          ['response_format', 'b64_json'],
          ['image', { bytes: await png(96, 64, false), filename: 'room.png', type: 'image/png' }],
          ['mask', { bytes: await png(96, 64, true), filename: 'mask.png', type: 'image/png' }],
        ],
        { key },
      );
      expect(result.status, result.text).toBe(200);
      expect(result.body.cost).toBeCloseTo(0.05, 9);
      const form = await formDataOf(suite.fake.calls.at(-1)!);
      expect(suite.fake.calls.at(-1)!.path).toBe('/v2beta/stable-image/edit/inpaint');
      expect(form.get('grow_mask')).toBe('6');
      const mask = await sharp(Buffer.from(await (form.get('mask') as Blob).arrayBuffer()))
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([mask.data[5], mask.data[90]]).toEqual([255, 0]);
    });

    it('answers a CONTENT_FILTERED result as a content-policy 400 and charges nothing', async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      suite.fake.enqueue('content_policy');
      const result = await postJson(suite.gateway.url, '/v1/openai/images/generations', { model: 'sd3.5-large', prompt: 'a fox' }, { key });
      expectApiError(result, { status: 400, code: 'content_policy_violation' });
      expect(await remaining(key)).toBe('1.0000');
    });

    it('refuses a search-and-replace without search_prompt before calling Stability', async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      const before = suite.fake.calls.length;
      const result = await postForm(
        suite.gateway.url,
        '/v1/openai/images/edits',
        [
          ['model', 'stability/search-and-replace'],
          ['prompt', 'a red mug'],
          ['image', { bytes: await png(96, 64, false), filename: 'desk.png', type: 'image/png' }],
        ],
        { key },
      );
      expectApiError(result, { status: 400, param: 'search_prompt' });
      expect(suite.fake.calls.length).toBe(before);
      expect(await remaining(key)).toBe('1.0000');
    });
  });
});
