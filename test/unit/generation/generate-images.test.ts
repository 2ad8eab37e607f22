import v8 from 'node:v8';
import vm from 'node:vm';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { modelSchema } from '../../../src/catalog/model-schema.js';
import { resolveModel } from '../../../src/catalog/resolved-model.js';
import { finishedImageBytes } from '../../../src/domain/finished-image.js';
import { UpstreamError } from '../../../src/errors/upstream-error.js';
import { GenerationFailure, generateImages } from '../../../src/generation/generate-images.js';
import type { GenerationPorts } from '../../../src/generation/generation-ports.js';
import type { GenerationRecords } from '../../../src/accounts/generation-records.js';
import { configuredInstance as instance } from '../../helpers/provider-call.js';
import type { ImageProvider } from '../../../src/providers/provider.js';
import { createProviderRegistry } from '../../../src/providers/registry.js';
import { createRouterState } from '../../../src/routing/router-state.js';
import { imageRequest } from '../../helpers/provider-call.js';

const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })
  .png()
  .toBuffer();

/** An adapter that yields one PNG per call, or fails with the given error. */
const adapter = (id: string, fail?: UpstreamError): ImageProvider => ({
  id,
  maxImagesPerCall: () => 1,
  async generate(call) {
    if (fail) throw fail;
    return { images: Array.from({ length: call.n }, () => ({ bytes: png, format: 'png' as const })), warnings: [] };
  },
});

const model = resolveModel(
  modelSchema.parse({
    id: 'acme/two-routes',
    release_date: '2026-01-01',
    capabilities: { max_n: 4 },
    routing: { strategy: 'cheapest' },
    routes: [
      { provider: 'dear', model: 'm', priority: 0, pricing: { type: 'fixed', value: 0.05 } },
      { provider: 'cheap', model: 'm', priority: 1, pricing: { type: 'fixed', value: 0.02 } },
    ],
  }),
  'test',
);

function recordingPorts(adapters: ImageProvider[], overrides: Partial<GenerationRecords> = {}) {
  const events: string[] = [];
  const records: GenerationRecords = {
    // One transaction in the database: both events or neither.
    startAndReserve: async ({ reservedMicros }) => (events.push('start', `reserve ${reservedMicros}`), { ok: true }),
    start: async () => void events.push('start'),
    succeed: async ({ costMicros, provider }) => void events.push(`succeed ${costMicros} ${provider}`),
    // One transaction in the database: the release (if any) and the failure together.
    fail: async ({ error, release }) => void events.push(...(release ? [`release ${release.reservedMicros}`] : []), `fail ${error.kind}`),
    keepLeaseAlive: () => () => undefined,
    ...overrides,
  };
  const ports: GenerationPorts = {
    registry: createProviderRegistry(adapters, [instance('dear'), instance('cheap')]),
    router: createRouterState({ clock: Date.now, random: () => 0.5 }),
    records,
    clock: Date.now,
    storeImages: async (_id, images) => images.map((_image, index) => ({ key: `k${index}.png`, url: `http://x/k${index}.png` })),
    downloadResult: async () => png,
  };
  return { ports, events };
}

const input = (n: number) => ({
  request: imageRequest({ model: model.id, n, responseFormat: 'url' as const }),
  model,
  warnings: [],
  caller: { accountId: 'a', apiKeyId: 'k' },
  signal: new AbortController().signal,
  deadline: Date.now() + 10_000,
  startedAt: Date.now(),
});

describe('generateImages', () => {
  it('reserves the dearest route, serves from the cheapest first, and charges what was delivered', async () => {
    const { ports, events } = recordingPorts([adapter('dear'), adapter('cheap')]);
    const output = await generateImages(ports, input(3));
    expect(output.data).toHaveLength(3);
    expect(output.cost).toBe(0.06);
    expect(events).toEqual(['start', 'reserve 150000', 'succeed 60000 cheap']);
  });

  it('charges only the images the client gets when an upstream returns more', async () => {
    const generous: ImageProvider = {
      id: 'cheap',
      async generate(call) {
        return { images: Array.from({ length: call.n + 2 }, () => ({ bytes: png, format: 'png' as const })), warnings: [] };
      },
    };
    const { ports, events } = recordingPorts([adapter('dear'), generous]);
    const output = await generateImages(ports, input(2));
    expect(output.data).toHaveLength(2);
    expect(output.cost).toBe(0.04);
    expect(events).toEqual(['start', 'reserve 100000', 'succeed 40000 cheap']);
  });

  it('hands the final output to onOutput before the settle, and returns that output once the settle is done', async () => {
    const { ports, events } = recordingPorts([adapter('dear'), adapter('cheap')]);
    let early: unknown;
    const output = await generateImages(ports, {
      ...input(2),
      onOutput: (ready) => {
        early = ready;
        events.push(`output ${ready.cost}`);
      },
    });
    expect(events).toEqual(['start', 'reserve 100000', 'output 0.04', 'succeed 40000 cheap']);
    expect(output).toBe(early);
  });

  it('rejects after onOutput when the settle fails, and records the failure with the hold released', async () => {
    const { ports, events } = recordingPorts([adapter('dear'), adapter('cheap')], {
      succeed: async () => Promise.reject(new Error('disk I/O error')),
    });
    const error = await generateImages(ports, { ...input(1), onOutput: () => void events.push('output') }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GenerationFailure);
    expect(events).toEqual(['start', 'reserve 50000', 'output', 'release 50000', 'fail internal']);
  });

  it('releases the hold and records the failure when every route fails', async () => {
    const down = new UpstreamError({ provider: 'x', kind: 'unavailable', message: 'down' });
    const { ports, events } = recordingPorts([adapter('dear', down), adapter('cheap', down)]);
    ports.router.backoff.maxRetries = 0;
    await expect(generateImages(ports, input(1))).rejects.toBeInstanceOf(GenerationFailure);
    expect(events).toEqual(['start', 'reserve 50000', 'release 50000', 'fail unavailable']);
  });

  it('answers its own error when the failure cannot be recorded, leaving record and hold to recovery', async () => {
    const { ports, events } = recordingPorts(
      [adapter('dear', new UpstreamError({ provider: 'dear', kind: 'invalid_request', message: 'no' }))],
      {
        fail: async () => Promise.reject(new Error('database is locked')),
        keepLeaseAlive: () => () => void events.push('lease dropped'),
      },
    );
    const error = await generateImages(ports, input(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GenerationFailure);
    expect((error as GenerationFailure).error).toMatchObject({ kind: 'invalid_request' });
    // No separate release ran: the record is still processing with its hold, and its lease is no
    // longer renewed, so lease recovery closes both.
    expect(events).toEqual(['start', 'reserve 50000', 'lease dropped']);
  });

  it('records a failed reserve instead of leaving the generation processing', async () => {
    const { ports, events } = recordingPorts([adapter('dear'), adapter('cheap')], {
      startAndReserve: async () => Promise.reject(new Error('database is locked')),
    });
    const error = await generateImages(ports, input(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GenerationFailure);
    expect((error as GenerationFailure).error).toMatchObject({ kind: 'internal', status: 500 });
    expect(events).toEqual(['start', 'fail internal']);
  });

  it('holds the lease from the reserve until the record is finished, on success and on failure', async () => {
    const leaseEvents = (events: string[]) => ({
      keepLeaseAlive: () => (events.push('lease held'), () => void events.push('lease dropped')),
    });
    const succeeding = recordingPorts([adapter('dear'), adapter('cheap')]);
    Object.assign(succeeding.ports.records, leaseEvents(succeeding.events));
    await generateImages(succeeding.ports, input(1));
    expect(succeeding.events).toEqual(['start', 'reserve 50000', 'lease held', 'succeed 20000 cheap', 'lease dropped']);

    const down = new UpstreamError({ provider: 'x', kind: 'unavailable', message: 'down' });
    const failing = recordingPorts([adapter('dear', down), adapter('cheap', down)]);
    failing.ports.router.backoff.maxRetries = 0;
    Object.assign(failing.ports.records, leaseEvents(failing.events));
    await expect(generateImages(failing.ports, input(1))).rejects.toBeInstanceOf(GenerationFailure);
    expect(failing.events).toEqual(['start', 'reserve 50000', 'lease held', 'release 50000', 'fail unavailable', 'lease dropped']);
  });

  it('answers 402 without calling any provider when the balance is short', async () => {
    const { ports, events } = recordingPorts([adapter('dear'), adapter('cheap')], {
      startAndReserve: async () => ({ ok: false, reason: 'balance' }),
    });
    const error = await generateImages(ports, input(1)).catch((caught: unknown) => caught);
    expect((error as GenerationFailure).error).toMatchObject({ kind: 'insufficient_credits', status: 402 });
    expect(events).toEqual(['start', 'fail insufficient_credits']);
  });

  it('lets go of the upstream base64 of a url answer once the store has the bytes, and keeps it for a base64 answer', async () => {
    // A full collection on demand; the flag only exposes `gc` to contexts created after it is set.
    v8.setFlagsFromString('--expose-gc');
    const collect = vm.runInNewContext('gc') as () => void;
    const retainedWhileStoring = async (responseFormat: 'url' | 'b64_json') => {
      let upstreamText: WeakRef<Buffer> | undefined;
      const base64Adapter: ImageProvider = {
        id: 'cheap',
        maxImagesPerCall: () => 1,
        async generate() {
          const text = Buffer.from(png.toString('base64'), 'latin1');
          upstreamText = new WeakRef(text);
          return { images: [{ base64: [text] }], warnings: [] };
        },
      };
      const { ports } = recordingPorts([adapter('dear'), base64Adapter]);
      let retained: boolean | undefined;
      ports.storeImages = (_id, images) => {
        // As the real store: the bytes are taken before the first wait.
        const bytes = images.map((image) => finishedImageBytes(image));
        return (async () => {
          await new Promise((resolve) => setTimeout(resolve, 10));
          collect();
          retained = upstreamText?.deref() !== undefined;
          return bytes.map((_bytes, index) => ({ key: `k${index}.png`, url: `http://x/k${index}.png` }));
        })();
      };
      const output = await generateImages(ports, { ...input(1), request: imageRequest({ model: model.id, n: 1, responseFormat }) });
      expect(output.data).toHaveLength(1);
      return retained;
    };
    expect(await retainedWhileStoring('url')).toBe(false);
    // The base64 answer carries the upstream's text to the client: still held, so the check above can fail.
    expect(await retainedWhileStoring('b64_json')).toBe(true);
  });
});
