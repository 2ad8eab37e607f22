import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../../src/providers/openai/openai-adapter.js';
import { OPENAI_FAKE_API_KEY, startOpenAIFake, type OpenAIFake } from '../fakes/openai-fake.js';
import { getJson, waitFor } from '../helpers/gateway-client.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const FULL_CREDITS = '1.0000';
/** gpt-image models keep a call open for about a minute before they send anything. */
const SILENT_MS = 60_000;

describe.each([
  // The fake checks the key and the request as OpenAI does, then sends nothing for a minute.
  { when: 'before the provider answers', scenario: 'slow' as const },
  // The fake sends its status line and half of the answer, then nothing: a connection dying in transit.
  { when: 'while the provider is sending its answer', scenario: 'stalled' as const },
])('an openai SDK client that aborts $when', ({ scenario }) => {
  let fake: OpenAIFake;
  let gateway: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    fake.slowMs = SILENT_MS;
    gateway = await startTestGateway(
      {},
      { providers: [createOpenAIAdapter()], env: { OPENAI_API_KEY: OPENAI_FAKE_API_KEY, OPENAI_BASE_URL: fake.baseUrl } },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  it('ends the provider call, records an error and releases the hold', async () => {
    const key = await gateway.createKey({ creditsMicros: 1_000_000, name: `aborts ${scenario}` });
    const remaining = async () => (await getJson(gateway.url, '/v1/credits', { key })).body.remaining_credits as string;
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
    fake.enqueue(scenario);
    const controller = new AbortController();
    const generating = client.images.generate(
      { model: 'openai/gpt-image-2', prompt: 'never finished', size: '1024x1024', output_format: 'png' },
      { signal: controller.signal },
    );
    const call = await waitFor(
      async () =>
        fake.calls.find((recorded) => recorded.path === '/v1/images/generations' && (scenario === 'slow' || recorded.answerStarted)),
      10_000,
      'the provider call',
    );
    // The hold is taken before the provider is called.
    expect(await remaining()).not.toBe(FULL_CREDITS);
    controller.abort();
    await expect(generating).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);

    // The gateway hangs up on the provider: nothing keeps a socket for a call nobody waits for.
    await call.connectionClosed;
    const generations = gateway.context.database.db
      .selectFrom('generations')
      .innerJoin('api_keys', 'api_keys.id', 'generations.api_key_id')
      .select(['generations.status', 'generations.cost_micros'])
      .where('api_keys.name', '=', `aborts ${scenario}`);
    const record = await waitFor(
      async () => {
        const rows = await generations.execute();
        return rows.length === 1 && rows[0]?.status !== 'processing' ? rows[0] : undefined;
      },
      10_000,
      'the generation to end',
    );
    expect(record).toEqual({ status: 'error', cost_micros: 0 });
    expect(await remaining()).toBe(FULL_CREDITS);
  });
});
