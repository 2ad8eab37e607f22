import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fakeImage, formDataOf } from '../fakes/fake-upstream.js';
import { startIdeogramFake } from '../fakes/ideogram-fake.js';
import { getJson, postForm, postJson, type FormFields } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { useGatewayWithFake } from '../helpers/gateway-with-fake.js';

const IDEOGRAM_KEY = 'ideogram_gateway_key_0123456789';

/** Ideogram models of the built-in catalog through real HTTP: tiers, prices, inpainting, refusals. */
forEachDatabase((harness) => {
  describe('Ideogram through the gateway', () => {
    const suite = useGatewayWithFake(harness, {
      startFake: () => startIdeogramFake({ apiKey: IDEOGRAM_KEY }),
      gatewayEnv: { IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
      overrides: (fake) => ({ env: { IDEOGRAM_API_KEY: IDEOGRAM_KEY, IDEOGRAM_BASE_URL: fake.baseUrl } }),
    });

    const lastGeneration = () => suite.fake.calls.filter((call) => call.kind === 'api').at(-1)!;
    const remaining = async (key: string) => (await getJson(suite.gateway.url, '/v1/credits', { key })).body.remaining_credits as string;

    it('serves ideogram-v3-turbo by its alias at TURBO, downloads the expiring URLs and charges $0.03 per image', async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        {
          model: 'ideogram-v3-turbo',
          prompt: 'a poster that says "OPEN"',
          n: 2,
          size: '1024x1024',
          response_format: 'b64_json',
          output_format: 'png',
        },
        { key },
      );
      expect(result.status, result.text).toBe(200);
      expect(result.body.data).toHaveLength(2);
      expect((await sharp(Buffer.from(result.body.data[0].b64_json, 'base64')).metadata()).format).toBe('png');
      expect(result.body.cost).toBe(0.06);
      expect(await remaining(key)).toBe('0.9400');
      const form = await formDataOf(lastGeneration());
      expect([form.get('rendering_speed'), form.get('num_images'), form.get('aspect_ratio')]).toEqual(['TURBO', '2', '1x1']);
    });

    it('prices ideogram-v3 by the tier its quality picks', async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        { model: 'ideogram/ideogram-v3', prompt: 'a label for a jar of honey', quality: 'high', response_format: 'b64_json' },
        { key },
      );
      expect(result.status, result.text).toBe(200);
      expect(result.body.cost).toBe(0.09);
      expect((await formDataOf(lastGeneration())).get('rendering_speed')).toBe('QUALITY');
    });

    it('inpaints an uploaded image with the mask turned black = edit', async () => {
      const image = await fakeImage(64, 64, 'png', 3);
      const mask = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
        .png()
        .toBuffer();
      const fields: FormFields = [
        ['model', 'ideogram-v3'],
        ['prompt', 'replace everything with a field of sunflowers'],
        ['response_format', 'b64_json'],
        ['image', { bytes: image, filename: 'image.png', type: 'image/png' }],
        ['mask', { bytes: mask, filename: 'mask.png', type: 'image/png' }],
      ];
      const result = await postForm(suite.gateway.url, '/v1/openai/images/edits', fields, { key: suite.gateway.key });
      expect(result.status, result.text).toBe(200);
      const call = lastGeneration();
      expect(call.path).toBe('/v1/ideogram-v3/inpaint');
      const sent = (await formDataOf(call)).get('mask') as File;
      const stats = await sharp(Buffer.from(await sent.arrayBuffer())).stats();
      // A fully transparent OpenAI mask means "edit everything": all black for Ideogram.
      expect(stats.channels[0]?.max).toBe(0);
    });

    it("answers Ideogram's safety refusal as a 400 content_policy_violation and charges nothing", async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      suite.fake.enqueue('content_policy');
      const result = await postJson(suite.gateway.url, '/v1/openai/images/generations', { model: 'ideogram-v3', prompt: 'x' }, { key });
      expect(result.status, result.text).toBe(400);
      expect(result.body.error).toMatchObject({ type: 'content_policy_violation', code: 'content_policy_violation' });
      expect(await remaining(key)).toBe('1.0000');
    });
  });
});
