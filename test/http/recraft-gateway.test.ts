import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeImage, formDataOf, jsonOf } from '../fakes/fake-upstream.js';
import { startRecraftFake, type RecraftFake } from '../fakes/recraft-fake.js';
import { getJson, postForm, postJson, type FormFields } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const RECRAFT_TOKEN = 'recraft_gateway_token_0123456789';

/** Recraft models of the built-in catalog through real HTTP: prices, styles, inpainting, refusals. */
forEachDatabase((harness) => {
  describe('Recraft through the gateway', () => {
    let fake: RecraftFake;
    let gateway: TestGateway;

    beforeAll(async () => {
      fake = await startRecraftFake({ apiKey: RECRAFT_TOKEN });
      gateway = await startTestGateway(
        { DATABASE_URL: await harness.createEmptyDatabase(), IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
        { env: { RECRAFT_API_TOKEN: RECRAFT_TOKEN, RECRAFT_BASE_URL: fake.baseUrl } },
      );
    });
    afterAll(async () => {
      await gateway?.close();
      await fake?.close();
    });

    const lastGeneration = () => fake.calls.filter((call) => call.kind === 'api').at(-1)!;
    const remaining = async (key: string) => (await getJson(gateway.url, '/v1/credits', { key })).body.remaining_credits as string;

    it('serves recraftv4_1 by its alias at a V4 size and charges $0.035 per image', async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const result = await postJson(
        gateway.url,
        '/v1/openai/images/generations',
        {
          model: 'recraftv4_1',
          prompt: 'a minimalist poster of a mountain',
          n: 2,
          size: '1344x768',
          response_format: 'b64_json',
          output_format: 'png',
        },
        { key },
      );
      expect(result.status, result.text).toBe(200);
      expect(result.body.data).toHaveLength(2);
      expect((await sharp(Buffer.from(result.body.data[0].b64_json, 'base64')).metadata()).format).toBe('png');
      expect(result.body.cost).toBe(0.07);
      expect(await remaining(key)).toBe('0.9300');
      expect(jsonOf(lastGeneration())).toMatchObject({ model: 'recraftv4_1', n: 2, size: '1344x768' });
    });

    it('passes V3 styles through to Recraft V3', async () => {
      const result = await postJson(
        gateway.url,
        '/v1/openai/images/generations',
        { model: 'recraft/recraft-v3', prompt: 'a fox', size: '1024x1024', style: 'digital_illustration', substyle: 'pixel_art' },
        { key: gateway.key },
      );
      expect(result.status, result.text).toBe(200);
      expect(result.body.cost).toBe(0.04);
      expect(jsonOf(lastGeneration())).toMatchObject({ model: 'recraftv3', style: 'digital_illustration', substyle: 'pixel_art' });
    });

    it('inpaints an uploaded image on V3 with the mask turned white = change', async () => {
      const image = await fakeImage(320, 320, 'png', 3);
      const mask = await sharp({ create: { width: 320, height: 320, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
        .png()
        .toBuffer();
      const fields: FormFields = [
        ['model', 'recraftv3'],
        ['prompt', 'a bicycle'],
        ['response_format', 'b64_json'],
        ['image', { bytes: image, filename: 'image.png', type: 'image/png' }],
        ['mask', { bytes: mask, filename: 'mask.png', type: 'image/png' }],
      ];
      const result = await postForm(gateway.url, '/v1/openai/images/edits', fields, { key: gateway.key });
      expect(result.status, result.text).toBe(200);
      const call = lastGeneration();
      expect(call.path).toBe('/v1/images/inpaint');
      const sent = (await formDataOf(call)).get('mask') as File;
      const stats = await sharp(Buffer.from(await sent.arrayBuffer())).stats();
      // A fully transparent OpenAI mask means "change everything": all white for Recraft.
      expect(stats.channels[0]?.min).toBe(255);
    });

    it("answers Recraft's validation error as a 400 and charges nothing", async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      fake.enqueue('bad_request');
      const result = await postJson(gateway.url, '/v1/openai/images/generations', { model: 'recraftv3', prompt: 'x' }, { key });
      expect(result.status, result.text).toBe(400);
      expect(await remaining(key)).toBe('1.0000');
    });
  });
});
