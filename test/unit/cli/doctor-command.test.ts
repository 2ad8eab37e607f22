import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src/cli/doctor-command.js';
import { startOpenAIFake } from '../../fakes/openai-fake.js';
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
});
