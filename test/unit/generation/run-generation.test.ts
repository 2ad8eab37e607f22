import { createInMemoryRateLimitStore } from '../../../src/accounts/in-memory-rate-limit-store.js';
import { createGenerationAdmission } from '../../../src/generation/admit-generation.js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../src/catalog/load-catalog.js';
import type { InputImage } from '../../../src/domain/image-request.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { createImageFetcher } from '../../../src/generation/fetch-input-images.js';
import { GenerationFailure } from '../../../src/generation/generate-images.js';
import type { UseCasePorts } from '../../../src/generation/generation-ports.js';
import type { GenerationRecords } from '../../../src/accounts/generation-records.js';
import { configuredInstance as instance } from '../../helpers/provider-call.js';
import { runGeneration } from '../../../src/generation/run-generation.js';
import { startGeneration } from '../../../src/generation/start-generation.js';
import { resumeGeneration } from '../../../src/generation/resume-generation.js';
import type { ClaimedJob } from '../../../src/accounts/generation-jobs.js';
import { createAddressPolicy } from '../../../src/net/address-policy.js';
import type { ImageProvider, ProviderCall } from '../../../src/providers/provider.js';
import { createProviderRegistry } from '../../../src/providers/registry.js';
import { createTestProvider } from '../../../src/providers/test/test-adapter.js';
import { createRouterState } from '../../../src/routing/router-state.js';
import { modelsDir } from '../catalog/catalog-fixture.js';

/**
 * The whole use case from a raw request, as every entry point hands it over (fields as sent,
 * images unread), with in-memory ports: no HTTP, no database, no network.
 */

const PAINTER = `
models:
  - id: acme/painter
    release_date: "2026-01-01"
    capabilities: { edit: true, mask: true, max_input_images: 2, max_n: 4, parameters: [seed] }
    pricing: { type: fixed, value: 0.02 }
    routes: [{ provider: painter, model: painter-v1 }]
`;

const dataUri = async (image: ReturnType<typeof sharp>) => `data:image/png;base64,${(await image.png().toBuffer()).toString('base64')}`;
const solid = (width: number, height: number, alpha = false) =>
  sharp({ create: { width, height, channels: alpha ? 4 : 3, background: alpha ? { r: 0, g: 0, b: 0, alpha: 0 } : '#336699' } });

/** Paints one PNG per image asked for, at the requested size; remembers every call. */
function painter(behaviour: { hang?: boolean; revise?: boolean } = {}) {
  const calls: ProviderCall[] = [];
  const adapter: ImageProvider = {
    id: 'painter',
    async generate(call) {
      calls.push(call);
      if (behaviour.hang)
        await new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(call.signal.reason as Error)));
      const size = call.request.size === 'auto' ? { width: 32, height: 32 } : call.request.size;
      const png = await solid(size.width, size.height).png().toBuffer();
      const revised = behaviour.revise ? { revisedPrompt: `a detailed ${call.request.prompt}` } : {};
      return { images: Array.from({ length: call.n }, () => ({ bytes: png, format: 'png' as const, ...revised })), warnings: [] };
    },
  };
  return { adapter, calls };
}

function inMemoryPorts(adapters: ImageProvider[], options: { requestTimeoutMs?: number } = {}) {
  const events: string[] = [];
  const stored = new Map<string, Buffer>();
  const records: GenerationRecords = {
    startAndReserve: async ({ request, reservedMicros }) => (
      events.push(`start ${request.model} n=${request.n}`, `reserve ${reservedMicros}`),
      { ok: true }
    ),
    start: async ({ request }) => void events.push(`start ${request.model} n=${request.n}`),
    succeed: async ({ costMicros, imageCount }) => void events.push(`succeed ${costMicros} images=${imageCount}`),
    // The release (if any) and the failure are one transaction in the database.
    fail: async ({ error, release }) =>
      void events.push(...(release ? [`release ${release.reservedMicros}`] : []), `fail ${error.kind} ${error.status}`),
    keepLeaseAlive: () => () => undefined,
  };
  const ports: UseCasePorts = {
    registry: createProviderRegistry(adapters, [instance('painter'), instance('test')]),
    router: createRouterState({ clock: Date.now, random: () => 0.5 }),
    records,
    clock: Date.now,
    async storeImages(generationId, images) {
      return images.map((image, index) => {
        const key = `${generationId}-${index}.${image.format}`;
        stored.set(key, image.decoded ?? Buffer.from(image.base64!.toString('latin1'), 'base64'));
        return { key, url: `memory://${key}` };
      });
    },
    downloadResult: async () => Promise.reject(new Error('no downloads in this test')),
    catalog: loadCatalog({ builtinDir: modelsDir({ 'painter.yaml': PAINTER }) }),
    admission: createGenerationAdmission(createInMemoryRateLimitStore(), Date.now),
    imageFetcher: createImageFetcher({
      policy: createAddressPolicy([]),
      maxImageBytes: 1024 * 1024,
      maxInputBytes: 4 * 1024 * 1024,
      timeoutMs: 1_000,
    }),
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    background: new Set(),
    webhookTargets: { check: async () => undefined },
  };
  return { ports, events, stored };
}

const caller = { accountId: 'account-1', apiKeyId: 'key-1' };

describe('runGeneration', () => {
  it('types multipart-style text fields, routes, stores and records: one call from raw fields to hosted images', async () => {
    const { adapter, calls } = painter();
    const { ports, events, stored } = inMemoryPorts([adapter]);
    const output = await runGeneration(ports, {
      request: {
        fields: { model: 'acme/painter', prompt: 'a kite', n: '2', size: '96x80', seed: '7', style: 'vivid' },
        images: [],
        masks: [],
      },
      caller,
    });

    expect(calls).toHaveLength(1);
    expect(calls[0]!.request).toMatchObject({
      model: 'acme/painter',
      n: 2,
      size: { width: 96, height: 80 },
      extra: { seed: 7 },
      outputFormat: 'webp',
      responseFormat: 'url',
    });
    expect(output.warnings).toEqual([expect.objectContaining({ setting: 'style' })]);
    expect(output.cost).toBe(0.04);
    expect(output.data).toHaveLength(2);
    const urls = output.data.map((item) => ('url' in item ? item.url : ''));
    const first = stored.get(urls[0]!.replace('memory://', ''))!;
    expect(await sharp(first).metadata()).toMatchObject({ format: 'webp', width: 96, height: 80 });
    expect(events).toEqual(['start acme/painter n=2', 'reserve 40000', 'succeed 40000 images=2']);
  });

  it('fetches input images and the mask through the fetcher port and hands them decoded to the provider', async () => {
    const { adapter, calls } = painter();
    const { ports } = inMemoryPorts([adapter]);
    const image = await dataUri(solid(24, 16));
    const mask = await dataUri(solid(24, 16, true));
    const output = await runGeneration(ports, {
      request: {
        fields: { model: 'acme/painter', prompt: 'edit', response_format: 'b64_json', output_format: 'png' },
        images: [{ kind: 'reference', value: image, param: 'image[0]' }],
        masks: [{ kind: 'reference', value: mask, param: 'mask' }],
      },
      caller,
    });
    const received: InputImage[] = calls[0]!.request.images;
    expect(received.map(({ format, width, height }) => ({ format, width, height }))).toEqual([{ format: 'png', width: 24, height: 16 }]);
    expect(calls[0]!.request.mask).toMatchObject({ width: 24, height: 16, hasAlpha: true });
    const b64 = output.data[0] && 'b64_json' in output.data[0] ? output.data[0].b64_json : Buffer.alloc(0);
    expect((await sharp(Buffer.from(b64.toString('latin1'), 'base64')).metadata()).format).toBe('png');
  });

  it('refuses bad input before anything is recorded or fetched, naming the parameter', async () => {
    const { adapter, calls } = painter();
    const { ports, events } = inMemoryPorts([adapter]);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ model: 'acme/painter', prompt: 'x', n: '9' }, 'n'],
      [{ model: 'acme/painter', prompt: 'x', seed: 'abc' }, 'seed'],
      [{ model: 'acme/painter', prompt: 'x', quality: 'ultra' }, 'quality'],
      [{ model: 'acme/nope', prompt: 'x' }, 'model'],
    ];
    for (const [fields, param] of cases) {
      const error = await runGeneration(ports, { request: { fields, images: [], masks: [] }, caller }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).not.toBeInstanceOf(GenerationFailure);
      expect((error as ApiError).param).toBe(param);
    }
    const tooMany = await runGeneration(ports, {
      request: {
        fields: { model: 'acme/painter', prompt: 'x' },
        images: Array.from({ length: 3 }, (_, index) => ({ kind: 'reference' as const, value: 'not base64!', param: `image[${index}]` })),
        masks: [],
      },
      caller,
    }).catch((caught: unknown) => caught);
    expect(tooMany).toMatchObject({ status: 400, param: 'image[]' });
    expect(calls).toHaveLength(0);
    expect(events).toEqual([]);
  });

  it('ends a generation at its deadline: a 504 failure, the hold released and the error recorded', async () => {
    const { adapter } = painter({ hang: true });
    const { ports, events } = inMemoryPorts([adapter], { requestTimeoutMs: 150 });
    ports.router.backoff.maxRetries = 0;
    const error = await runGeneration(ports, {
      request: { fields: { model: 'acme/painter', prompt: 'slow' }, images: [], masks: [] },
      caller,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GenerationFailure);
    expect((error as GenerationFailure).error).toMatchObject({ kind: 'timeout', status: 504 });
    expect(events).toEqual(['start acme/painter n=1', 'reserve 20000', 'release 20000', 'fail timeout 504']);
  });

  it("stops when the caller's signal aborts, without waiting for the deadline", async () => {
    const { adapter } = painter({ hang: true });
    const { ports, events } = inMemoryPorts([adapter]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new DOMException('gone', 'AbortError')), 50);
    const error = await runGeneration(ports, {
      request: { fields: { model: 'acme/painter', prompt: 'x' }, images: [], masks: [] },
      caller,
      signal: controller.signal,
    }).catch((caught: unknown) => caught);
    expect((error as GenerationFailure).error).toMatchObject({ status: 499 });
    expect(events.at(-1)).toBe('fail upstream_error 499');
  });

  it("answers every item with revised_prompt: the upstream's rewrite, else null", async () => {
    const revising = inMemoryPorts([painter({ revise: true }).adapter]);
    const revised = await runGeneration(revising.ports, {
      request: { fields: { model: 'acme/painter', prompt: 'kite', n: 2 }, images: [], masks: [] },
      caller,
    });
    expect(revised.data.map((item) => item.revised_prompt)).toEqual(['a detailed kite', 'a detailed kite']);
    const keeping = inMemoryPorts([painter().adapter]);
    const kept = await runGeneration(keeping.ports, {
      request: { fields: { model: 'acme/painter', prompt: 'kite', response_format: 'b64_json' }, images: [], masks: [] },
      caller,
    });
    expect(kept.data.map((item) => item.revised_prompt)).toEqual([null]);
  });

  it('renders with the real test provider end to end', async () => {
    const { ports } = inMemoryPorts([createTestProvider()]);
    const output = await runGeneration(ports, {
      request: {
        fields: { model: 'test/test', prompt: 'a lighthouse', size: '64x64', response_format: 'b64_ephemeral' },
        images: [],
        masks: [],
      },
      caller,
    });
    const b64 = output.data[0] && 'b64_json' in output.data[0] ? output.data[0].b64_json : Buffer.alloc(0);
    expect(await sharp(Buffer.from(b64.toString('latin1'), 'base64')).metadata()).toMatchObject({ width: 64, height: 64 });
  });
});

describe('startGeneration (async mode)', () => {
  it('answers with the id once recorded and finishes in the background, tracked until done', async () => {
    const { adapter } = painter();
    const { ports, events } = inMemoryPorts([adapter]);
    const id = await startGeneration(ports, {
      request: { fields: { model: 'acme/painter', prompt: 'later' }, images: [], masks: [] },
      caller,
    });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ports.background.size).toBe(1);
    await Promise.all([...ports.background]);
    expect(ports.background.size).toBe(0);
    expect(events.at(-1)).toBe('succeed 20000 images=1');
  });

  it("refuses b64_ephemeral, which can't be fetched later, before recording anything", async () => {
    const { adapter } = painter();
    const { ports, events } = inMemoryPorts([adapter]);
    const error = await startGeneration(ports, {
      request: { fields: { model: 'acme/painter', prompt: 'x', response_format: 'b64_ephemeral' }, images: [], masks: [] },
      caller,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, param: 'response_format' });
    expect(events).toEqual([]);
  });
});

describe("resumeGeneration (a takeover of a dead process's async generation)", () => {
  /** The ports with a job store and free caps that log what the takeover gives back. */
  function takeoverPorts(adapters: ImageProvider[]) {
    const { ports, events } = inMemoryPorts(adapters);
    ports.jobs = {
      save: async () => undefined,
      remove: async (id) => void events.push(`remove job ${id}`),
      claimAbandoned: async () => [],
    };
    ports.freeUsage = {
      claim: async () => Promise.reject(new Error('a takeover claims no new slot')),
      giveBack: async (id) => void events.push(`give back free slot ${id}`),
    };
    return { ports, events };
  }
  const claimed = (fields: Record<string, unknown>): ClaimedJob => ({
    generationId: 'generation-1',
    fields,
    images: [],
    mask: undefined,
    ...caller,
    startedAt: Date.now() - 1_000,
    model: String(fields.model),
    reservedMicros: 20_000,
    takeovers: 1,
  });

  it('finishes it on its record and hold, then forgets the job and keeps the free slot', async () => {
    const { adapter } = painter();
    const { ports, events } = takeoverPorts([adapter]);
    await resumeGeneration(ports, claimed({ model: 'acme/painter', prompt: 'a kite' }));
    expect(events).toEqual(['succeed 20000 images=1', 'remove job generation-1']);
  });

  it('a failing route: fails the record, releases the hold, gives the free slot back and forgets the job', async () => {
    const failing: ImageProvider = { id: 'painter', generate: async () => Promise.reject(new Error('boom')) };
    const { ports, events } = takeoverPorts([failing]);
    await expect(resumeGeneration(ports, claimed({ model: 'acme/painter', prompt: 'a kite' }))).rejects.toThrow();
    expect(events).toContain('release 20000');
    expect(events).toContain('give back free slot generation-1');
    expect(events.at(-1)).toBe('remove job generation-1');
  });

  it('its provider unconfigured since: fails the record, releases the hold, gives the slot back, forgets the job', async () => {
    const { ports, events } = takeoverPorts([]);
    ports.registry = createProviderRegistry([], []);
    await expect(resumeGeneration(ports, claimed({ model: 'acme/painter', prompt: 'a kite' }))).rejects.toThrow();
    expect(events).toContain('release 20000');
    expect(events).toContain('give back free slot generation-1');
    expect(events.at(-1)).toBe('remove job generation-1');
  });

  it('a model gone since: fails the record as that error, releases the hold, gives the slot back, forgets the job', async () => {
    const { ports, events } = takeoverPorts([painter().adapter]);
    await expect(resumeGeneration(ports, claimed({ model: 'acme/retired', prompt: 'a kite' }))).rejects.toBeInstanceOf(ApiError);
    expect(events).toEqual([
      'release 20000',
      expect.stringMatching(/^fail /),
      'give back free slot generation-1',
      'remove job generation-1',
    ]);
  });
});
