import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src/cli/doctor-command.js';
import { startOpenAIFake } from '../../fakes/openai-fake.js';
import { startAutomatic1111Fake } from '../../fakes/automatic1111-fake.js';
import { startComfyuiFake } from '../../fakes/comfyui-fake.js';
import type { FakeUpstream } from '../../fakes/fake-upstream.js';

describe('imagerouter doctor', () => {
  const GOOD = 'sk-doctor-good-0123456789';
  let fake: FakeUpstream;

  beforeAll(async () => {
    fake = await startOpenAIFake({ apiKey: GOOD });
  });
  afterAll(() => fake?.close());

  it('probes configured providers with every key, and names the variable for the others', async () => {
    const lines = await runDoctor({
      OPENAI_API_KEY: `${GOOD},sk-doctor-bad-0123456789`,
      OPENAI_BASE_URL: fake.baseUrl,
      IMAGEROUTER_DATA_DIR: '/tmp/imagerouter-doctor-unused',
    });
    const openai = lines.find((line) => line.instance === 'openai');
    expect(openai).toMatchObject({ configured: true, status: 'failed' });
    expect(openai?.detail).toContain('1/2 keys ok');
    expect(openai?.models).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain('sk-doctor-bad');
    const probes = fake.calls.filter((call) => call.path.endsWith('/models'));
    expect(probes.map((call) => call.headers.authorization).sort()).toEqual(['Bearer sk-doctor-bad-0123456789', `Bearer ${GOOD}`]);

    expect(lines.find((line) => line.instance === 'bfl')).toMatchObject({
      configured: false,
      status: 'not configured',
      detail: 'set BFL_API_KEY',
    });
    expect(lines.find((line) => line.instance === 'fal')?.detail).toBe('set FAL_API_KEY or FAL_KEY');
    expect(lines.find((line) => line.instance === 'localai')?.detail).toBe('set LOCALAI_BASE_URL');
  });

  it('reports ok when every key works', async () => {
    const lines = await runDoctor({ OPENAI_API_KEY: GOOD, OPENAI_BASE_URL: fake.baseUrl });
    expect(lines.find((line) => line.instance === 'openai')).toMatchObject({ status: 'ok' });
  });

  it('probes self-hosted engines like any provider: AUTOMATIC1111 with Basic auth, ComfyUI behind a token', async () => {
    const a1111 = await startAutomatic1111Fake({ credentials: 'gpu:s3cret-pass' });
    const comfyui = await startComfyuiFake({ token: 'comfy-proxy-token-0123' });
    try {
      const env = { AUTOMATIC1111_BASE_URL: a1111.baseUrl, COMFYUI_BASE_URL: comfyui.baseUrl };
      const good = await runDoctor({ ...env, AUTOMATIC1111_API_KEY: 'gpu:s3cret-pass', COMFYUI_API_KEY: 'comfy-proxy-token-0123' });
      const a1111Line = good.find((line) => line.instance === 'automatic1111');
      expect(a1111Line).toMatchObject({ configured: true, status: 'ok', latencyMs: expect.any(Number) });
      expect(a1111Line?.detail).toContain('/sdapi/v1/sd-models answered 200: 2 checkpoint(s)');
      const comfyLine = good.find((line) => line.instance === 'comfyui');
      expect(comfyLine).toMatchObject({ configured: true, status: 'ok', latencyMs: expect.any(Number) });
      expect(comfyLine?.detail).toContain('/system_stats answered 200');
      expect(a1111.calls.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from('gpu:s3cret-pass').toString('base64')}`);
      expect(comfyui.calls.at(-1)?.headers.authorization).toBe('Bearer comfy-proxy-token-0123');

      const refused = await runDoctor({ ...env, AUTOMATIC1111_API_KEY: 'gpu:wrong-pass', COMFYUI_API_KEY: 'wrong-token-0123' });
      for (const instance of ['automatic1111', 'comfyui']) {
        const line = refused.find((candidate) => candidate.instance === instance);
        expect(line, instance).toMatchObject({ status: 'failed' });
        expect(line?.detail, instance).toMatch(/401|auth/i);
      }
      expect(JSON.stringify(refused)).not.toContain('wrong-pass');
      expect(JSON.stringify(refused)).not.toContain('wrong-token');
    } finally {
      await a1111.close();
      await comfyui.close();
    }
  });

  it('reports an engine that does not answer as failed', async () => {
    const a1111 = await startAutomatic1111Fake();
    const baseUrl = a1111.baseUrl;
    await a1111.close();
    const lines = await runDoctor({ AUTOMATIC1111_BASE_URL: baseUrl });
    expect(lines.find((line) => line.instance === 'automatic1111')).toMatchObject({ status: 'failed', latencyMs: expect.any(Number) });
  });
});
