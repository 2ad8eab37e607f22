import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImageRequest } from '../../../../src/domain/image-request.js';
import { readInputImage } from '../../../../src/images/read-input-image.js';
import { createComfyuiAdapter } from '../../../../src/providers/comfyui/comfyui-adapter.js';
import { comfyuiProvider } from '../../../../src/providers/comfyui/comfyui-provider.js';
import { COMFYUI_CHECKPOINTS, startComfyuiFake, type ComfyuiFake } from '../../../fakes/comfyui-fake.js';
import { formDataOf, jsonOf } from '../../../fakes/fake-upstream.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';
import { catalogCall, timeLimit, type ProviderCallOverrides } from '../../../helpers/provider-call.js';

const TOKEN = 'proxy-token-0123456789';
const SDXL = 'sd_xl_base_1.0.safetensors';
const adapter = createComfyuiAdapter();
let fake: ComfyuiFake;

beforeAll(async () => {
  fake = await startComfyuiFake({ token: TOKEN });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.calls.length = 0;
  fake.prompts.length = 0;
  fake.checkpoints.splice(0, Infinity, ...COMFYUI_CHECKPOINTS);
});

function callFor(request: Partial<ImageRequest> = {}, overrides: Omit<ProviderCallOverrides, 'request'> = {}) {
  return catalogCall(comfyuiProvider, SDXL, {
    request: { model: 'comfyui/sdxl-base-1.0', prompt: 'a red door', size: { width: 256, height: 192 }, ...request },
    ...timeLimit(10_000),
    ...overrides,
    options: { poll_interval_ms: 50, ...overrides.options },
    endpoint: { instance: 'gpu-box', baseUrl: fake.baseUrl, apiKey: TOKEN, ...overrides.endpoint },
  });
}

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();

describe('comfyui adapter against the fake server', () => {
  it('queues the workflow, polls /history past {} and downloads the batch with /view', async () => {
    const result = await adapter.generate(callFor({ n: 2 }, { n: 2 }));
    expect(result.images).toHaveLength(2);
    const first = result.images[0];
    if (!first || !('bytes' in first)) throw new Error('expected bytes');
    expect(await sharp(first.bytes).metadata()).toMatchObject({ width: 256, height: 192, format: 'png' });
    const paths = fake.calls.map((call) => `${call.method} ${call.path}`);
    expect(paths.filter((path) => path.startsWith('GET /history/')).length).toBeGreaterThanOrEqual(2);
    expect(paths.filter((path) => path === 'GET /view')).toHaveLength(2);
    expect(fake.calls.every((call) => call.headers['authorization'] === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('edits: uploads the image to input/ and points LoadImage at it', async () => {
    const picture = await readInputImage(await png(96, 64), 'image[]');
    const result = await adapter.generate(callFor({ images: [picture], size: 'auto' }));
    expect(result.images).toHaveLength(1);
    const graph = fake.prompts[0]!;
    expect(fake.inputs.has(String(graph['10']?.inputs['image']))).toBe(true);
    const upload = await formDataOf(fake.calls.find((call) => call.path === '/upload/image')!);
    expect(upload.get('type')).toBe('input');
    expect(upload.get('image')).toBeInstanceOf(File);
  });

  it('edits n > 1 as one prompt per image (the edit workflow binds no batch size), seeds counting up from the client one', async () => {
    const picture = await readInputImage(await png(96, 64), 'image[]');
    const result = await adapter.generate(callFor({ images: [picture], size: 'auto', n: 2, extra: { seed: 40 } }, { n: 2 }));
    expect(result.images).toHaveLength(2);
    expect(fake.prompts.map((graph) => graph['3']?.inputs['seed'])).toEqual([40, 41]);
    expect(fake.calls.filter((call) => call.path === '/upload/image')).toHaveLength(1);
  });

  it('inpaints: the mask goes through /upload/mask into the image alpha (transparent = repaint)', async () => {
    const picture = await readInputImage(await png(96, 64), 'image[]');
    const alpha = Buffer.alloc(96 * 64 * 4);
    for (let y = 0; y < 64; y += 1) for (let x = 0; x < 96; x += 1) alpha[(y * 96 + x) * 4 + 3] = x < 48 ? 0 : 255;
    const mask = await readInputImage(
      await sharp(alpha, { raw: { width: 96, height: 64, channels: 4 } })
        .png()
        .toBuffer(),
      'mask',
    );
    await adapter.generate(callFor({ images: [picture], mask, size: 'auto' }));
    const maskUpload = await formDataOf(fake.calls.find((call) => call.path === '/upload/mask')!);
    const ref = JSON.parse(String(maskUpload.get('original_ref'))) as { filename: string; type: string };
    expect(ref.type).toBe('input');
    const loaded = String(fake.prompts[0]!['10']?.inputs['image']);
    expect(loaded).not.toBe(ref.filename);
    const { data, info } = await sharp(fake.inputs.get(loaded)!).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    expect(data[(10 * 96 + 5) * 4 + 3]).toBe(0);
    expect(data[(10 * 96 + 90) * 4 + 3]).toBe(255);
  });

  it('a checkpoint the server lacks is a retryable configuration error, not the client', async () => {
    fake.checkpoints.splice(0, Infinity, 'v1-5-pruned-emaonly.safetensors');
    const error = await upstreamFailure(adapter.generate(callFor()));
    expect(error).toMatchObject({ kind: 'upstream_error', code: 'workflow_invalid', provider: 'gpu-box' });
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('value_not_in_list');
  });

  it('the fake rejects unknown node ids and input names in ComfyUI node_errors shape', async () => {
    const queue = (prompt: unknown) =>
      fetch(`${fake.baseUrl}/api/prompt`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ prompt }),
      });
    const good = structuredClone(fake.prompts[0] ?? (await adapter.generate(callFor()), fake.prompts[0]!));
    const dangling = structuredClone(good);
    dangling['8']!.inputs['samples'] = ['99', 0];
    const badLink = await queue(dangling);
    expect(badLink.status).toBe(400);
    expect(await badLink.json()).toMatchObject({ error: { type: 'invalid_prompt' }, node_errors: {} });
    const misspelt = structuredClone(good);
    misspelt['3']!.inputs['stepz'] = 20;
    const badInput = await queue(misspelt);
    expect(await badInput.json()).toMatchObject({
      error: { type: 'prompt_outputs_failed_validation' },
      node_errors: { '3': { class_type: 'KSampler', dependent_outputs: ['9'], errors: [{ extra_info: { input_name: 'stepz' } }] } },
    });
    const custom = structuredClone(good);
    custom['30'] = { class_type: 'VHS_LoadVideo', inputs: {} };
    expect(await (await queue(custom)).json()).toMatchObject({ error: { type: 'missing_node_type', extra_info: { node_id: '30' } } });
  });

  it.each([
    ['the client goes away', true],
    ['the deadline passes', false],
  ])('removes the prompt from the queue when %s while it waits', async (_case, disconnect) => {
    fake.enqueue('slow');
    const client = new AbortController();
    const pending = adapter.generate(callFor({}, disconnect ? { signal: client.signal } : timeLimit(400)));
    const outcome = pending.then(
      () => 'resolved',
      () => 'rejected',
    );
    await vi.waitFor(() => expect(fake.calls.some((call) => call.path.includes('/history/'))).toBe(true));
    client.abort(new Error('client went away'));
    expect(await outcome).toBe('rejected');
    const queued = jsonOf(fake.calls.find((call) => call.path.endsWith('/prompt'))!) as { prompt_id: string };
    await vi.waitFor(() => {
      const removal = fake.calls.find((call) => call.method === 'POST' && call.path.endsWith('/queue'));
      expect(removal && jsonOf(removal)).toEqual({ delete: [queued.prompt_id] });
    });
  });

  it("a bound input out of range (width above MAX_RESOLUTION) is the client's invalid request naming 'size'", async () => {
    fake.enqueue('bad_request');
    const refused = await upstreamFailure(adapter.generate(callFor()));
    expect(refused).toMatchObject({ kind: 'invalid_request' });
    expect(refused.message).toContain("'size'");
  });

  it('lists checkpoints for models check and probes /system_stats', async () => {
    const endpoint = { instance: 'gpu-box', baseUrl: fake.baseUrl, apiKey: TOKEN, keyIndex: 0, settings: {} };
    const listed = await adapter.listModels!(endpoint, AbortSignal.timeout(5_000));
    expect(listed).toEqual({
      kind: 'listed',
      source: 'GET /models/checkpoints',
      models: COMFYUI_CHECKPOINTS.map((id) => ({ id, image: true })),
    });
    expect(await adapter.probe!(endpoint, AbortSignal.timeout(5_000))).toMatchObject({
      ok: true,
      detail: expect.stringContaining('ComfyUI 0.3.68'),
    });
    const refused = await adapter.probe!({ ...endpoint, apiKey: 'wrong-token-xyz' }, AbortSignal.timeout(5_000));
    expect(refused.ok).toBe(false);
    expect(refused.detail).not.toContain('wrong-token-xyz');
  });

  it('sends the queued body ComfyUI expects', async () => {
    await adapter.generate(callFor());
    const body = jsonOf(fake.calls.find((call) => call.path === '/prompt')!) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['client_id', 'prompt', 'prompt_id']);
  });
});
