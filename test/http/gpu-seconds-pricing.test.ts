import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAutomatic1111Fake, type Automatic1111Fake } from '../fakes/automatic1111-fake.js';
import { startComfyuiFake, type ComfyuiFake } from '../fakes/comfyui-fake.js';
import { getJson, postJson, writeOperatorConfig } from '../helpers/gateway-client.js';
import { forEachDatabase } from '../helpers/test-databases.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** ComfyUI's history says each prompt ran 12.5 s on the GPU. */
const EXECUTION_MS = 12_500;

/**
 * Self-hosted engines priced per GPU second from the config file's `providers:` section: the hold is
 * `max_gpu_seconds` × rate × n, the charge the measured time × rate in whole micro-USD.
 */
forEachDatabase((harness) => {
  describe('GPU-second pricing of self-hosted engines', () => {
    let comfyui: ComfyuiFake;
    let a1111: Automatic1111Fake;
    let gateway: TestGateway;

    beforeAll(async () => {
      comfyui = await startComfyuiFake({ executionMs: EXECUTION_MS });
      a1111 = await startAutomatic1111Fake();
      const yaml = [
        'providers:',
        '  comfyui:',
        '    type: comfyui',
        `    base_url: ${comfyui.baseUrl}`,
        '    settings: { gpu_second_usd: 0.0004, max_gpu_seconds: 60 }',
        '  automatic1111:',
        '    type: automatic1111',
        `    base_url: ${a1111.baseUrl}`,
        '    settings: { gpu_second_usd: 0.001, max_gpu_seconds: 30 }',
        '',
      ].join('\n');
      gateway = await startTestGateway({
        DATABASE_URL: await harness.createEmptyDatabase(),
        IMAGEROUTER_CONFIG: await writeOperatorConfig(await mkdtemp(path.join(tmpdir(), 'imagerouter-gpu-')), yaml),
      });
    });
    afterAll(async () => {
      await gateway?.close();
      await comfyui?.close();
      await a1111?.close();
    });

    const remainingMicros = async (key: string) =>
      Math.round(Number((await getJson(gateway.url, '/v1/credits', { key })).body.remaining_credits) * 1e6);

    it("charges ComfyUI's reported execution time at the instance's rate, and records the seconds", async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const result = await postJson(
        gateway.url,
        '/v1/openai/images/generations',
        { model: 'comfyui/sdxl-base-1.0', prompt: 'a lighthouse', size: '512x512' },
        { key },
      );
      expect(result.status, result.text.slice(0, 300)).toBe(200);
      // 12.5 s × $0.0004/s = $0.005, exactly 5000 micro-USD.
      expect(result.body.cost).toBe(0.005);
      expect(await remainingMicros(key)).toBe(995_000);
      const record = await getJson(gateway.url, `/v1/generations/${result.body.id as string}`, { key });
      expect(record.body.attempts).toEqual([expect.objectContaining({ provider: 'comfyui', outcome: 'success', gpuSeconds: 12.5 })]);
    });

    it('holds max_gpu_seconds × rate × n before the call, so a balance below it is refused', async () => {
      // The hold for n = 2: 2 × 60 s × $0.0004 = $0.048; a key with $0.04 cannot start.
      const key = await gateway.createKey({ creditsMicros: 40_000 });
      const refused = await postJson(
        gateway.url,
        '/v1/openai/images/generations',
        { model: 'comfyui/sdxl-base-1.0', prompt: 'a lighthouse', size: '512x512', n: 2 },
        { key },
      );
      expect(refused.status, refused.text).toBe(402);
      expect(refused.text).toContain('0.048');
    });

    it("lists the instance's rate as the route's price", async () => {
      const models = await getJson(gateway.url, '/v1/models?name=comfyui/sdxl-base-1.0', { key: gateway.key });
      expect(models.body['comfyui/sdxl-base-1.0'].providers[0].pricing).toEqual({
        type: 'post_generation',
        basis: 'gpu_seconds',
        range: { min: 0.024, average: 0.024, max: 0.024 },
        usd_per_second: 0.0004,
      });
    });

    it("charges AUTOMATIC1111's measured call time at its rate, within the hold", async () => {
      const key = await gateway.createKey({ creditsMicros: 1_000_000 });
      const result = await postJson(
        gateway.url,
        '/v1/openai/images/generations',
        { model: 'automatic1111/stable-diffusion-v1-5', prompt: 'a lighthouse', size: '512x512' },
        { key },
      );
      expect(result.status, result.text.slice(0, 300)).toBe(200);
      const record = await getJson(gateway.url, `/v1/generations/${result.body.id as string}`, { key });
      const [attempt] = record.body.attempts as Array<{ gpuSeconds: number; durationMs: number }>;
      expect(attempt?.gpuSeconds).toBeGreaterThan(0);
      // The wall time of the call, inside the attempt's own duration.
      expect(attempt!.gpuSeconds * 1000).toBeLessThanOrEqual(attempt!.durationMs + 1);
      const expectedMicros = Math.ceil((Math.round(attempt!.gpuSeconds * 1000) * 1_000_000) / 1_000_000);
      // $0.001/s is 1 micro-USD per started millisecond; /v1/credits shows 4 decimals, so the cost is compared.
      expect(Math.round(result.body.cost * 1e6)).toBe(expectedMicros);
      expect(Math.round(record.body.cost * 1e6)).toBe(expectedMicros);
    });
  });
});
