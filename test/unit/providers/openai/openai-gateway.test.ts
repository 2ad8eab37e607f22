import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../../../../src/providers/openai/openai-adapter.js';
import { fakeImage, jsonOf } from '../../../fakes/fake-upstream.js';
import { OPENAI_FAKE_API_KEY, startOpenAIFake, type OpenAIFake } from '../../../fakes/openai-fake.js';
import { postJson } from '../../../helpers/gateway-client.js';
import { startTestGateway, type TestGateway } from '../../../helpers/test-gateway.js';

/** The adapter inside a real gateway, with the built-in catalog: pricing from usage, base64 passed through. */
describe('openai through the gateway', () => {
  let fake: OpenAIFake;
  let gateway: TestGateway;
  let configDir: string;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-openai-'));
    // OpenAI retired gpt-image-1.5 on 2026-12-01; an operator whose upstream (here the fake) still
    // serves it moves its retirement in the config file, as docs/configuration.md says.
    const configFile = path.join(configDir, 'config.yaml');
    await writeFile(configFile, 'models:\n  "openai/gpt-image-1.5":\n    retires_on: "2099-01-01"\n');
    gateway = await startTestGateway(
      { IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1', IMAGEROUTER_CONFIG: configFile },
      { providers: [createOpenAIAdapter()], env: { OPENAI_API_KEY: OPENAI_FAKE_API_KEY, OPENAI_BASE_URL: fake.baseUrl } },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
    await rm(configDir, { recursive: true, force: true });
  });

  const generate = (body: Record<string, unknown>) =>
    postJson(
      gateway.url,
      '/v1/openai/images/generations',
      { prompt: 'a lighthouse', response_format: 'b64_json', output_format: 'png', ...body },
      { key: gateway.key },
    );

  it('passes the base64 through untouched and charges the tokens OpenAI reports', async () => {
    const result = await generate({ model: 'gpt-image-1.5', size: '1024x1024', quality: 'low' });
    expect(result.status, result.text).toBe(200);
    expect(result.body.data[0].b64_json).toBe((await fakeImage(1024, 1024, 'png', 0)).toString('base64'));
    // 3 text tokens at $5/M + 272 low-quality output tokens at $32/M = $0.008719.
    expect(result.body.cost).toBeCloseTo(0.008719, 9);
  });

  it('answers the passed-through base64 as one sized, unchunked body, for every image of the call', async () => {
    const result = await generate({ model: 'openai/gpt-image-2', size: '1024x1024', response_format: 'b64_ephemeral', n: 2 });
    expect(result.status, result.text).toBe(200);
    expect(result.headers.get('transfer-encoding')).toBeNull();
    expect(Number(result.headers.get('content-length'))).toBe(Buffer.byteLength(result.text));
    const images = (result.body.data as Array<{ b64_json: string }>).map((item) => Buffer.from(item.b64_json, 'base64'));
    expect(images).toHaveLength(2);
    const expected = [await fakeImage(1024, 1024, 'png', 0), await fakeImage(1024, 1024, 'png', 1)];
    expect(images.map((image) => image.toString('base64'))).toEqual(expected.map((image) => image.toString('base64')));
    expect(result.body.id).toEqual(result.headers.get('x-generation-id'));
  });

  it('charges the tokens of a multi-image call and reports the size it adapted', async () => {
    const result = await generate({ model: 'openai/gpt-image-2', size: '1000x1000', quality: 'medium', n: 2 });
    expect(result.status, result.text).toBe(200);
    expect(result.body.data).toHaveLength(2);
    // 1008x1008 medium: 48*48*(2,000,000+1,016,064)/4,000,000 → 1,738 tokens per image at $30/M, + 3 text tokens at $5/M.
    expect(result.body.cost).toBeCloseTo((2 * 1738 * 30 + 3 * 5) / 1e6, 9);
    expect(result.body.warnings).toEqual([
      {
        type: 'adapted',
        setting: 'size',
        provider: 'openai',
        message: "OpenAI's gpt-image-2 does not take 1000x1000; 1008x1008 was sent instead.",
      },
    ]);
  });

  it('answers 410 with the retirement message for DALL·E, under OpenAI’s own name too', async () => {
    const result = await generate({ model: 'dall-e-3' });
    expect(result.status).toBe(410);
    expect(result.text).toContain("DALL·E 3 is no longer available. Please switch to 'openai/gpt-image-2'.");
  });
  describe('quality tiers come from each model', () => {
    it("sends GPT Image 2.5's xhigh and max, and charges their tokens", async () => {
      for (const [quality, tokens] of [
        ['xhigh', 3122],
        ['max', 7024],
      ] as const) {
        const result = await generate({ model: 'openai/gpt-image-2.5-flare', size: '1024x1024', quality });
        expect(result.status, result.text).toBe(200);
        expect(jsonOf(fake.calls.at(-1)!)).toMatchObject({ model: 'gpt-image-2.5-flare', quality });
        // `tokens` output tokens at $30/M + 3 text tokens at $5/M.
        expect(result.body.cost).toBeCloseTo((tokens * 30 + 3 * 5) / 1e6, 9);
      }
    });

    it("refuses a tier the model does not list, naming that model's tiers", async () => {
      const onNewModel = await generate({ model: 'gpt-image-2.5-sunburst', quality: 'ultra' });
      expect(onNewModel.status).toBe(400);
      expect(onNewModel.body.error).toMatchObject({ param: 'quality' });
      expect(onNewModel.body.error.message).toBe(
        "The model 'openai/gpt-image-2.5-sunburst' does not support quality 'ultra'. Allowed: 'auto', 'low', 'medium', 'high', 'xhigh', 'max'.",
      );
      const onOlderModel = await generate({ model: 'openai/gpt-image-2', quality: 'xhigh' });
      expect(onOlderModel.status).toBe(400);
      expect(onOlderModel.body.error.message).toBe(
        "The model 'openai/gpt-image-2' does not support quality 'xhigh'. Allowed: 'auto', 'low', 'medium', 'high'.",
      );
      const onTestModel = await generate({ model: 'test/test', quality: 'max' });
      expect(onTestModel.status).toBe(400);
      expect(onTestModel.body.error.message).toBe(
        "The model 'test/test' does not support quality 'max'. Allowed: 'auto', 'low', 'medium', 'high'.",
      );
    });

    it("sends GPT Image 2.6's complexity, and reports it as unsupported on 2.5", async () => {
      const on26 = await generate({ model: 'openai/gpt-image-2.6-sunburst', size: '1024x1024', quality: 'high', complexity: 'low' });
      expect(on26.status, on26.text).toBe(200);
      expect(jsonOf(fake.calls.at(-1)!)).toMatchObject({ model: 'gpt-image-2.6-sunburst', quality: 'high', complexity: 'low' });
      const on25 = await generate({ model: 'openai/gpt-image-2.5-flare', size: '1024x1024', complexity: 'low' });
      expect(on25.status, on25.text).toBe(200);
      expect(jsonOf(fake.calls.at(-1)!)).not.toHaveProperty('complexity');
      expect(on25.body.warnings).toEqual([expect.objectContaining({ type: 'unsupported', setting: 'complexity' })]);
      const bad = await generate({ model: 'openai/gpt-image-2.6-flare', complexity: 'extreme' });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ param: 'complexity' });
    });
  });
});
