import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fakeImage, formDataOf, jsonOf } from '../fakes/fake-upstream.js';
import { fakeSvg, startRecraftFake } from '../fakes/recraft-fake.js';
import { expectApiError, fetchBytes, getJson, postForm, postJson, type FormFields } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { useGatewayWithFake } from '../helpers/gateway-with-fake.js';

const RECRAFT_TOKEN = 'recraft_gateway_token_0123456789';

/** Recraft models of the built-in catalog through real HTTP: prices, styles, inpainting, refusals. */
forEachDatabase((harness) => {
  describe('Recraft through the gateway', () => {
    const suite = useGatewayWithFake(harness, {
      startFake: () => startRecraftFake({ apiKey: RECRAFT_TOKEN }),
      gatewayEnv: { IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
      overrides: (fake) => ({ env: { RECRAFT_API_TOKEN: RECRAFT_TOKEN, RECRAFT_BASE_URL: fake.baseUrl } }),
    });

    const lastGeneration = () => suite.fake.calls.filter((call) => call.kind === 'api').at(-1)!;
    const remaining = async (key: string) => (await getJson(suite.gateway.url, '/v1/credits', { key })).body.remaining_credits as string;

    it('serves recraftv4_1 by its alias at a V4 size and charges $0.035 per image', async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      const result = await postJson(
        suite.gateway.url,
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
        suite.gateway.url,
        '/v1/openai/images/generations',
        { model: 'recraft/recraft-v3', prompt: 'a fox', size: '1024x1024', style: 'digital_illustration', substyle: 'pixel_art' },
        { key: suite.gateway.key },
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
      const result = await postForm(suite.gateway.url, '/v1/openai/images/edits', fields, { key: suite.gateway.key });
      expect(result.status, result.text).toBe(200);
      const call = lastGeneration();
      expect(call.path).toBe('/v1/images/inpaint');
      const sent = (await formDataOf(call)).get('mask') as File;
      const stats = await sharp(Buffer.from(await sent.arrayBuffer())).stats();
      // A fully transparent OpenAI mask means "change everything": all white for Recraft.
      expect(stats.channels[0]?.min).toBe(255);
    });

    it("answers Recraft's validation error as a 400 and charges nothing", async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      suite.fake.enqueue('bad_request');
      const result = await postJson(suite.gateway.url, '/v1/openai/images/generations', { model: 'recraftv3', prompt: 'x' }, { key });
      expect(result.status, result.text).toBe(400);
      expect(await remaining(key)).toBe('1.0000');
    });

    it('serves Recraft V3 Vector as SVG: hosted as image/svg+xml under a sandboxing CSP, byte for byte', async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        { model: 'recraftv3_vector', prompt: 'a fox logo', size: '1024x1365', style: 'vector_illustration' },
        { key },
      );
      expect(result.status, result.text).toBe(200);
      expect(result.body.cost).toBe(0.08);
      expect(await remaining(key)).toBe('0.9200');
      expect(jsonOf(lastGeneration())).toMatchObject({ model: 'recraftv3_vector', style: 'vector_illustration', size: '1024x1365' });
      const url = result.body.data[0].url as string;
      expect(url).toMatch(/\.svg$/);
      const hosted = await fetchBytes(url);
      expect(hosted.status).toBe(200);
      expect(hosted.headers.get('content-type')).toBe('image/svg+xml');
      expect(hosted.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
      expect(hosted.headers.get('x-content-type-options')).toBe('nosniff');
      expect(hosted.bytes.equals(fakeSvg(1024, 1365, 0))).toBe(true);

      // The generation record, the owner's history and usage read it like any other image.
      const record = await getJson(suite.gateway.url, `/v1/generations/${result.body.id as string}`, { key });
      expect(record.status, record.text).toBe(200);
      expect(record.body).toMatchObject({ status: 'success', data: [{ url }] });
      const history = await getJson(suite.gateway.url, '/v1/generations', { key });
      expect(history.status, history.text).toBe(200);
      const usage = await getJson(suite.gateway.url, '/v1/usage', { key });
      expect(usage.status, usage.text).toBe(200);
    });

    it('answers b64_json with the SVG bytes, and an explicit output_format svg', async () => {
      const result = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        {
          model: 'recraft/recraft-v3-vector',
          prompt: 'an icon',
          n: 2,
          size: '1024x1024',
          output_format: 'svg',
          response_format: 'b64_json',
        },
        { key: suite.gateway.key },
      );
      expect(result.status, result.text).toBe(200);
      expect(result.body.data).toHaveLength(2);
      expect(Buffer.from(result.body.data[0].b64_json as string, 'base64').equals(fakeSvg(1024, 1024, 0))).toBe(true);
      expect(Buffer.from(result.body.data[1].b64_json as string, 'base64').equals(fakeSvg(1024, 1024, 1))).toBe(true);
    });

    it('refuses a raster output_format on a vector model and svg on a raster one, before any upstream call or charge', async () => {
      const key = await suite.gateway.createKey({ creditsMicros: 1_000_000 });
      const callsBefore = suite.fake.calls.length;
      for (const format of ['png', 'jpeg', 'webp']) {
        const raster = await postJson(
          suite.gateway.url,
          '/v1/openai/images/generations',
          { model: 'recraftv3_vector', prompt: 'x', output_format: format },
          { key },
        );
        expectApiError(raster, { status: 400, param: 'output_format', mentions: 'svg' });
      }
      const svg = await postJson(
        suite.gateway.url,
        '/v1/openai/images/generations',
        { model: 'recraftv3', prompt: 'x', output_format: 'svg' },
        { key },
      );
      expectApiError(svg, { status: 400, param: 'output_format' });
      expect(suite.fake.calls.length).toBe(callsBefore);
      expect(await remaining(key)).toBe('1.0000');
    });

    it('refuses an SVG document as an input image with a 400 naming the parameter', async () => {
      const fields: FormFields = [
        ['model', 'recraftv3_vector'],
        ['prompt', 'recolor it'],
        ['image', { bytes: fakeSvg(512, 512), filename: 'logo.svg', type: 'image/svg+xml' }],
      ];
      const callsBefore = suite.fake.calls.length;
      const result = await postForm(suite.gateway.url, '/v1/openai/images/edits', fields, { key: suite.gateway.key });
      expectApiError(result, { status: 400, param: 'image', mentions: 'svg' });
      expect(suite.fake.calls.length).toBe(callsBefore);
    });
  });
});
