import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCatalogModels, type InstanceCheck, type ModelsCheckReport } from '../../../src/cli/check-catalog-models.js';
import { CliExitError } from '../../../src/cli/cli-exit-error.js';
import { registerModelsCommand } from '../../../src/cli/models-command.js';
import type { RemoteCliIo } from '../../../src/cli/remote-cli-io.js';
import type { FakeUpstream } from '../../fakes/fake-upstream.js';
import { GEMINI_FAKE_KEY, startGeminiFake } from '../../fakes/gemini-fake.js';
import { GOOGLE_FAKE_TEXT_MODELS } from '../../fakes/google-fake.js';
import { startDeepInfraFake } from '../../fakes/deepinfra-fake.js';
import { startImagenFake } from '../../fakes/imagen-fake.js';
import { startLocalAIFake } from '../../fakes/localai-fake.js';
import { startOpenAIFake } from '../../fakes/openai-fake.js';
import { SDXL_VERSION, startReplicateFake } from '../../fakes/replicate-fake.js';
import { startTogetherFake } from '../../fakes/together-fake.js';
import { startXaiFake } from '../../fakes/xai-fake.js';

const OPENAI_KEY = 'sk-models-check-0123456789abcdef';
const REPLICATE_KEY = 'r8_models_check_0123456789abcdefghijklmn';
const XAI_KEY = 'xai-models-check-0123456789';
const TOGETHER_KEY = 'together-models-check-0123456789';
const DEEPINFRA_KEY = 'deepinfra-models-check-0123456789';
/** 2026-12-04: after gpt-image-1's retirement (2026-10-23 below), before the deprecated model's (2027-03-01). */
const TODAY = Date.parse('2026-12-04T12:00:00Z');

/** Each instance's routes: one the upstream serves, one it no longer does, a retired and a deprecated model. */
const CATALOG = `
models:
  - id: openai/present
    release_date: "2025-01-01"
    pricing: { type: fixed, value: 0.04 }
    routes: [{ provider: openai, model: gpt-image-2 }]
  - id: openai/gone
    release_date: "2025-01-01"
    pricing: { type: fixed, value: 0.04 }
    routes: [{ provider: openai, model: gpt-image-1.5 }]
  - id: openai/old
    release_date: "2024-01-01"
    retires_on: "2026-10-23"
    successor: openai/present
    pricing: { type: fixed, value: 0.04 }
    routes: [{ provider: openai, model: gpt-image-1 }]
  - id: openai/leaving
    release_date: "2024-06-01"
    deprecated_on: "2026-11-01"
    retires_on: "2027-03-01"
    successor: openai/present
    pricing: { type: fixed, value: 0.04 }
    routes: [{ provider: openai, model: gpt-image-1-mini }]
  - id: google/flash-image
    release_date: "2025-08-26"
    pricing: { type: fixed, value: 0.039 }
    routes: [{ provider: gemini, model: gemini-2.5-flash-image }]
  - id: google/pro-image
    release_date: "2025-11-20"
    pricing: { type: fixed, value: 0.134 }
    routes: [{ provider: gemini, model: gemini-3-pro-image }]
  - id: bfl/flux-2-pro
    release_date: "2025-11-25"
    pricing: { type: fixed, value: 0.03 }
    routes: [{ provider: bfl, model: flux-2-pro }]
  - id: replicate/schnell
    release_date: "2024-08-01"
    pricing: { type: fixed, value: 0.003 }
    routes: [{ provider: replicate, model: black-forest-labs/flux-schnell }]
  - id: replicate/dev
    release_date: "2024-08-01"
    pricing: { type: fixed, value: 0.025 }
    routes: [{ provider: replicate, model: black-forest-labs/flux-dev }]
  - id: replicate/sdxl
    release_date: "2023-07-26"
    pricing: { type: fixed, value: 0.004 }
    routes: [{ provider: replicate, model: "stability-ai/sdxl:${SDXL_VERSION}" }]
  - id: replicate/by-version
    release_date: "2023-07-26"
    pricing: { type: fixed, value: 0.004 }
    routes: [{ provider: replicate, model: "${SDXL_VERSION}" }]
  - id: xai/imagine
    release_date: "2026-03-02"
    pricing: { type: fixed, value: 0.02 }
    routes: [{ provider: xai, model: grok-imagine-image-2026-03-02 }]
  - id: google/imagen-4
    release_date: "2025-06-24"
    pricing: { type: fixed, value: 0.04 }
    routes: [{ provider: imagen, model: imagen-4.0-generate-001 }]
  - id: deepinfra/sdxl-turbo
    release_date: "2023-11-28"
    pricing: { type: fixed, value: 0.002 }
    routes: [{ provider: deepinfra, model: stabilityai/sdxl-turbo }]
  - id: local/sd15
    release_date: "2022-10-20"
    pricing: { type: fixed, value: 0 }
    routes: [{ provider: localai, model: sd-1.5-ggml }]
  - id: local/dreamshaper
    release_date: "2023-01-01"
    pricing: { type: fixed, value: 0 }
    routes: [{ provider: localai, model: dreamshaper-8 }]
  - id: together/schnell
    release_date: "2024-08-01"
    pricing: { type: fixed, value: 0.003 }
    routes: [{ provider: together, model: black-forest-labs/FLUX.1-schnell }]
`;

describe('imagerouter models check', () => {
  let openai: FakeUpstream;
  let gemini: FakeUpstream;
  let replicate: FakeUpstream;
  let xai: FakeUpstream;
  let together: FakeUpstream;
  let imagen: FakeUpstream;
  let deepinfra: FakeUpstream;
  let localai: FakeUpstream;
  let catalogDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    catalogDir = mkdtempSync(path.join(tmpdir(), 'models-check-'));
    writeFileSync(path.join(catalogDir, 'a.yaml'), CATALOG);
    openai = await startOpenAIFake({
      apiKey: OPENAI_KEY,
      // gpt-image-1.5 is gone; gpt-image-2.5-flare is new; gpt-4o is no image model.
      listedModels: ['gpt-image-2', 'gpt-image-1-mini', 'gpt-image-2.5-flare', 'gpt-4o', 'text-embedding-3-small'],
    });
    gemini = await startGeminiFake({
      maxPageSize: 2,
      // Five entries over three pages; the catalog's present model is on the last page.
      listedModels: [
        ...GOOGLE_FAKE_TEXT_MODELS,
        { id: 'gemini-3.1-flash-image', methods: ['generateContent', 'countTokens'] },
        { id: 'gemini-2.5-flash-image', methods: ['generateContent', 'countTokens'] },
      ],
    });
    replicate = await startReplicateFake({ apiKey: REPLICATE_KEY, removedModels: ['black-forest-labs/flux-dev'] });
    xai = await startXaiFake(XAI_KEY);
    together = await startTogetherFake(TOGETHER_KEY, {
      listedModels: ['black-forest-labs/FLUX.1-schnell', 'black-forest-labs/FLUX.2-pro'],
    });
    imagen = await startImagenFake({ apiKey: GEMINI_FAKE_KEY });
    deepinfra = await startDeepInfraFake(DEEPINFRA_KEY);
    // A self-hosted server without a key, which no longer has dreamshaper-8 but gained an SDXL model.
    localai = await startLocalAIFake({ models: ['sd-1.5-ggml', 'sdxl-turbo', 'llama-3.2-1b-instruct'] });
    env = {
      LOCALAI_BASE_URL: localai.baseUrl,
      IMAGEN_BASE_URL: imagen.baseUrl,
      DEEPINFRA_API_KEY: DEEPINFRA_KEY,
      DEEPINFRA_BASE_URL: deepinfra.baseUrl,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: openai.baseUrl,
      GEMINI_API_KEY: GEMINI_FAKE_KEY,
      GEMINI_BASE_URL: gemini.baseUrl,
      REPLICATE_API_KEY: REPLICATE_KEY,
      REPLICATE_BASE_URL: replicate.baseUrl,
      XAI_API_KEY: XAI_KEY,
      XAI_BASE_URL: xai.baseUrl,
      TOGETHER_API_KEY: TOGETHER_KEY,
      TOGETHER_BASE_URL: together.baseUrl,
      // BFL has no list and no per-model lookup: configured, but it cannot tell.
      BFL_API_KEY: 'bfl-models-check-key',
      BFL_BASE_URL: 'http://127.0.0.1:9/v1',
    };
  });
  afterAll(async () => {
    await Promise.all([openai, gemini, replicate, xai, together, imagen, deepinfra, localai].map((fake) => fake?.close()));
    rmSync(catalogDir, { recursive: true, force: true });
  });

  const check = (provider?: string): Promise<ModelsCheckReport> => checkCatalogModels(env, { catalogDir, clock: () => TODAY, provider });
  const instance = (report: ModelsCheckReport, id: string): InstanceCheck => {
    const found = report.instances.find((candidate) => candidate.instance === id);
    if (!found) throw new Error(`no check for ${id}`);
    return found;
  };

  it("reads OpenAI's list with the key: missing, added image models, retired and deprecated by date", async () => {
    const result = instance(await check('openai'), 'openai');
    expect(result).toMatchObject({ status: 'checked', detail: `GET ${openai.baseUrl}/models` });
    expect(result.missing).toEqual([{ model: 'openai/gone', upstream_model: 'gpt-image-1.5' }]);
    // gpt-4o and the embedding model are not image models; the retired gpt-image-1 being gone is no news.
    expect(result.added).toEqual(['gpt-image-2.5-flare']);
    expect(result.retired).toEqual([
      { model: 'openai/old', upstream_model: 'gpt-image-1', deprecated_on: null, retires_on: '2026-10-23', successor: 'openai/present' },
    ]);
    expect(result.deprecated).toEqual([
      {
        model: 'openai/leaving',
        upstream_model: 'gpt-image-1-mini',
        deprecated_on: '2026-11-01',
        retires_on: '2027-03-01',
        successor: 'openai/present',
      },
    ]);
    expect(openai.calls.filter((call) => call.path === '/v1/models').map((call) => call.headers.authorization)).toContain(
      `Bearer ${OPENAI_KEY}`,
    );
  });

  it('follows Gemini pageTokens to the last page, and tells image models from text ones', async () => {
    const before = gemini.calls.length;
    const result = instance(await check('gemini'), 'gemini');
    const pages = gemini.calls.slice(before).filter((call) => call.path === '/v1beta/models');
    expect(pages).toHaveLength(3);
    expect(pages.every((call) => call.headers['x-goog-api-key'] === GEMINI_FAKE_KEY)).toBe(true);
    expect(pages.map((call) => call.query.has('pageToken'))).toEqual([false, true, true]);
    expect(result.status).toBe('checked');
    expect(result.missing).toEqual([{ model: 'google/pro-image', upstream_model: 'gemini-3-pro-image' }]);
    expect(result.added).toEqual(['gemini-3.1-flash-image']);
  });

  it('looks each Replicate model up, and cannot tell for a bare version id', async () => {
    const result = instance(await check('replicate'), 'replicate');
    expect(result.status).toBe('checked');
    expect(result.missing).toEqual([{ model: 'replicate/dev', upstream_model: 'black-forest-labs/flux-dev' }]);
    expect(result.unknown).toEqual([{ model: 'replicate/by-version', upstream_model: SDXL_VERSION }]);
    const lookups = replicate.calls.filter((call) => call.method === 'GET' && call.path.startsWith('/v1/models/'));
    expect(lookups.map((call) => call.path).sort()).toEqual([
      '/v1/models/black-forest-labs/flux-dev',
      '/v1/models/black-forest-labs/flux-schnell',
      '/v1/models/stability-ai/sdxl',
    ]);
    expect(lookups.every((call) => call.headers.authorization === `Bearer ${REPLICATE_KEY}`)).toBe(true);
  });

  it('says unknown for BFL, which has no way to tell, without calling it', async () => {
    const result = instance(await check('bfl'), 'bfl');
    expect(result).toMatchObject({ status: 'unknown', missing: [], unknown: [{ model: 'bfl/flux-2-pro', upstream_model: 'flux-2-pro' }] });
  });

  it("counts xAI's aliases as served, and keeps only Together's image entries", async () => {
    const report = await check();
    expect(instance(report, 'xai')).toMatchObject({ status: 'checked', missing: [], added: ['grok-imagine-image-2.0'] });
    expect(instance(report, 'together')).toMatchObject({ status: 'checked', missing: [], added: ['black-forest-labs/FLUX.2-pro'] });
  });

  it("keeps Imagen's predict models apart from Google's text models, and guesses DeepInfra's by name", async () => {
    const report = await check();
    expect(instance(report, 'imagen')).toMatchObject({
      status: 'checked',
      missing: [],
      added: ['imagen-3.0-generate-002', 'imagen-4.0-fast-generate-001', 'imagen-4.0-ultra-generate-001'],
    });
    // The Llama entry of the unmarked list is no image model by its name.
    expect(instance(report, 'deepinfra')).toMatchObject({
      status: 'checked',
      missing: [],
      added: ['black-forest-labs/FLUX-1-dev', 'black-forest-labs/FLUX-1-schnell'],
    });
  });

  it('asks a keyless LocalAI server for its models', async () => {
    const result = instance(await check('localai'), 'localai');
    expect(result).toMatchObject({
      status: 'checked',
      missing: [{ model: 'local/dreamshaper', upstream_model: 'dreamshaper-8' }],
      added: ['sdxl-turbo'],
    });
  });

  it('reports a provider that refuses the key as failed, every route unknown, and never prints the key', async () => {
    const badKey = 'sk-models-check-wrong-0123456789';
    const report = await checkCatalogModels({ ...env, OPENAI_API_KEY: badKey }, { catalogDir, clock: () => TODAY, provider: 'openai' });
    const result = instance(report, 'openai');
    expect(result.status).toBe('failed');
    expect(result.detail).toMatch(/401|auth/i);
    expect(result.missing).toEqual([]);
    expect(result.unknown.map((ref) => ref.model)).toEqual(['openai/present', 'openai/gone', 'openai/leaving']);
    expect(JSON.stringify(report)).not.toContain(badKey);
  });

  it('names an unknown or unconfigured instance as a usage error', async () => {
    await expect(check('nope')).rejects.toMatchObject({ exitCode: 2 });
    await expect(check('fal')).rejects.toThrow(/not configured: set FAL_API_KEY/);
  });

  const run = async (args: string[]): Promise<{ stdout: string; exitCode: number; error?: CliExitError }> => {
    const stdout: string[] = [];
    const io: RemoteCliIo = { env, stdout: { write: (text: string) => stdout.push(text) }, stderr: { write: () => true }, cwd: () => '/' };
    const program = new Command().exitOverride();
    registerModelsCommand(program, io, { catalogDir, clock: () => TODAY });
    try {
      await program.parseAsync(['node', 'imagerouter', ...args]);
      return { stdout: stdout.join(''), exitCode: 0 };
    } catch (error) {
      if (!(error instanceof CliExitError)) throw error;
      return { stdout: stdout.join(''), exitCode: error.exitCode, error };
    }
  };

  it('prints a table and exits 1 when a catalog route points at a missing model', async () => {
    const result = await run(['models', 'check', '--provider', 'openai']);
    expect(result.exitCode).toBe(1);
    expect(result.error?.message).toBe('1 catalog route point at models the provider no longer serves');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^INSTANCE\s+FINDING\s+MODEL\s+UPSTREAM MODEL\s+DETAIL$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['openai', 'missing', 'openai/gone', 'gpt-image-1.5'],
      ['openai', 'retired', 'openai/old', 'gpt-image-1'],
      ['openai', 'deprecated', 'openai/leaving', 'gpt-image-1-mini'],
      ['openai', 'added', '-', 'gpt-image-2.5-flare'],
    ]);
    expect(result.stdout).toContain('retired on 2026-10-23, use openai/present');
  });

  it('prints JSON for scripts and exits 0 when nothing is missing', async () => {
    const result = await run(['models', 'check', '--json', '--provider', 'xai']);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as ModelsCheckReport;
    expect(report.date).toBe('2026-12-04');
    expect(report.instances).toEqual([
      {
        instance: 'xai',
        adapter: 'openai-compatible',
        status: 'checked',
        detail: 'GET /v1/image-generation-models',
        missing: [],
        deprecated: [],
        retired: [],
        added: ['grok-imagine-image-2.0'],
        unknown: [],
      },
    ]);
  });
});
