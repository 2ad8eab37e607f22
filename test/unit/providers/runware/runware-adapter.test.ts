import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageRequest, InputImage } from '../../../../src/domain/image-request.js';
import { readInputImage } from '../../../../src/images/read-input-image.js';
import { createRunwareAdapter } from '../../../../src/providers/runware/runware-adapter.js';
import { runwareProvider } from '../../../../src/providers/runware/runware-provider.js';
import { RUNWARE_FAKE_COST, RUNWARE_MODELS, startRunwareFake, type RunwareFake } from '../../../fakes/runware-fake.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import { catalogCall, timeLimit, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

const KEY = 'rw-0123456789abcdefghij';
const adapter = createRunwareAdapter();
let fake: RunwareFake;

beforeAll(async () => {
  fake = await startRunwareFake({ apiKey: KEY });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.tasks.length = 0;
});

function callFor(model: string, request: Partial<ImageRequest> = {}, overrides: Omit<ProviderCallOverrides, 'request'> = {}) {
  return catalogCall(runwareProvider, model, {
    request: { model: 'runware/flux-1-dev', prompt: 'a red door', ...request },
    ...timeLimit(10_000),
    ...overrides,
    endpoint: { instance: 'runware', baseUrl: fake.baseUrl, apiKey: KEY, ...overrides.endpoint },
  });
}

describe('runware adapter against the fake task API', () => {
  it('returns the images of its task and the summed cost Runware reported, in micro-USD', async () => {
    const result = await adapter.generate(callFor('runware:100@1', { n: 3 }, { n: 3 }));
    expect(result.images).toHaveLength(3);
    expect(result.reportedCostMicros).toBe(Math.round(3 * RUNWARE_FAKE_COST * 1_000_000));
    expect(fake.tasks).toEqual([expect.objectContaining({ model: 'runware:100@1', numberResults: 3, includeCost: true })]);
    // A fresh UUID v4 per task.
    expect(String(fake.tasks[0]!['taskUUID'])).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('inpaints: the image as seedImage and the alpha mask as a white = repaint PNG the fake decodes', async () => {
    const picture = await readInputImage(
      await sharp({ create: { width: 256, height: 192, channels: 3, background: '#336699' } })
        .png()
        .toBuffer(),
      'image[]',
    );
    const alpha = Buffer.alloc(64 * 48 * 4);
    for (let y = 0; y < 48; y += 1) for (let x = 0; x < 64; x += 1) alpha[(y * 64 + x) * 4 + 3] = x < 32 ? 0 : 255;
    const mask: InputImage = await readInputImage(
      await sharp(alpha, { raw: { width: 64, height: 48, channels: 4 } })
        .png()
        .toBuffer(),
      'mask',
    );
    const result = await adapter.generate(callFor('runware:101@1', { images: [picture], mask }));
    expect(result.images).toHaveLength(1);
    const task = fake.tasks[0]!;
    expect(task).toMatchObject({ width: 256, height: 192, strength: 0.8 });
    const maskBytes = Buffer.from(String(task['maskImage']).split(',')[1]!, 'base64');
    const { data, info } = await sharp(maskBytes).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 256, height: 192 });
    expect(data[0]).toBe(255);
    expect(data[255]).toBe(0);
  });

  it("reports Runware's 400 naming the parameter, and a bad key without echoing it", async () => {
    fake.models.splice(0, fake.models.length, 'runware:101@1');
    try {
      const refused = await upstreamFailure(adapter.generate(callFor('runware:100@1')));
      expect(refused.kind).toBe('invalid_request');
      expect(refused.message).toContain("parameter 'model'");
    } finally {
      fake.models.splice(0, fake.models.length, ...RUNWARE_MODELS);
    }
    const denied = await upstreamFailure(
      adapter.generate(callFor('runware:100@1', {}, { endpoint: { apiKey: 'rw-wrong-key-0123456789' } })),
    );
    expect(denied.kind).toBe('authentication');
    expect(denied.message).not.toContain('rw-wrong-key-0123456789');
  });

  it("fails on its task's error inside a 200, with the upstream model's own words", async () => {
    fake.failNextTaskInline();
    const error = await upstreamFailure(adapter.generate(callFor('runware:100@1')));
    expect(error.kind).toBe('invalid_request');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('providerError');
    expect(error.message).toContain('could not be generated for this prompt');
  });
});
