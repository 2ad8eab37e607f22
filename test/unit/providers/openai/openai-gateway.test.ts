import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../../../../src/providers/openai/openai-adapter.js';
import { fakeImage } from '../../../fakes/fake-upstream.js';
import { OPENAI_FAKE_API_KEY, startOpenAIFake, type OpenAIFake } from '../../../fakes/openai-fake.js';
import { postJson } from '../../../helpers/gateway-client.js';
import { startTestGateway, type TestGateway } from '../../../helpers/test-gateway.js';

/** The adapter inside a real gateway, with the built-in catalog: pricing from usage, base64 passed through. */
describe('openai through the gateway', () => {
  let fake: OpenAIFake;
  let gateway: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    gateway = await startTestGateway(
      { IMAGEROUTER_URL_ALLOWLIST: '127.0.0.1' },
      { providers: [createOpenAIAdapter()], env: { OPENAI_API_KEY: OPENAI_FAKE_API_KEY, OPENAI_BASE_URL: fake.baseUrl } },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
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
});
