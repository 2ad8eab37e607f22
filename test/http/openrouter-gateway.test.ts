import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fakeImage, jsonOf } from '../fakes/fake-upstream.js';
import { startOpenRouterFake } from '../fakes/openrouter-fake.js';
import { getJson, postForm, postJson, type FormFields } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { useGatewayWithFake } from '../helpers/gateway-with-fake.js';

const OPENROUTER_KEY = 'sk-or-v1-gateway-0123456789abcdef';

/** OpenRouter models of the built-in catalog through real HTTP: data URL images, the reported cost charged, refusals. */
forEachDatabase((harness) => {
  describe('OpenRouter through the gateway', () => {
    const suite = useGatewayWithFake(harness, {
      startFake: () => startOpenRouterFake({ apiKey: OPENROUTER_KEY }),
      overrides: (fake) => ({ env: { OPENROUTER_API_KEY: OPENROUTER_KEY, OPENROUTER_BASE_URL: fake.baseUrl } }),
    });

    const lastCompletion = () => suite.fake.calls.filter((call) => call.kind === 'api').at(-1)!;
    const remaining = async (key: string) => (await getJson(suite.gateway.url, '/v1/credits', { key })).body.remaining_credits as string;

    it('serves openrouter/gemini-2.5-flash-image, one completion per image, charging the cost OpenRouter reported', async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      suite.fake.calls.length = 0;
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        {
          model: 'openrouter/gemini-2.5-flash-image',
          prompt: 'a red fox in snow',
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
      expect(suite.fake.calls.filter((call) => call.kind === 'api')).toHaveLength(2);
      expect(jsonOf(lastCompletion())).toMatchObject({ model: 'google/gemini-2.5-flash-image', image_config: { aspect_ratio: '16:9' } });
      // 2 × $0.0387 from `usage.cost`, not the $0.04 reserved per image.
      expect(result.body.cost).toBe(0.0774);
      expect(await remaining(key)).toBe('0.9226');
    });

    it('edits with an uploaded image sent as a data URL part, by the FLUX.2 alias', async () => {
      const fields: FormFields = [
        ['model', 'black-forest-labs/flux.2-pro'],
        ['prompt', 'make it autumn'],
        ['response_format', 'b64_json'],
        ['image', { bytes: await fakeImage(64, 64, 'png', 3), filename: 'image.png', type: 'image/png' }],
      ];
      const result = await postForm(suite.gateway.url, '/v1/openai/images/edits', fields, { key: suite.gateway.key });
      expect(result.status, result.text).toBe(200);
      const body = jsonOf(lastCompletion()) as { model: string; messages: Array<{ content: Array<{ type: string }> }> };
      expect(body.model).toBe('black-forest-labs/flux.2-pro');
      expect(body.messages[0]!.content.map((part) => part.type)).toEqual(['text', 'image_url']);
    });

    it('answers a text-only reply as a 400 naming it, and charges nothing', async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      suite.fake.enqueueOpenRouter('text_only');
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        { model: 'openrouter/gemini-2.5-flash-image', prompt: 'x' },
        { key },
      );
      expect(result.status, result.text).toBe(400);
      expect(result.body.error.code).toBe('no_image_returned');
      expect(await remaining(key)).toBe('1.0000');
    });

    it("answers OpenRouter's moderation refusal as a 400 content_policy_violation", async () => {
      suite.fake.enqueue('content_policy');
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        { model: 'openrouter/gemini-2.5-flash-image', prompt: 'x' },
        { key: suite.gateway.key },
      );
      expect(result.status, result.text).toBe(400);
      expect(result.body.error).toMatchObject({ type: 'content_policy_violation', code: 'content_policy_violation' });
    });
  });
});
