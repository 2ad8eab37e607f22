import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../src/errors/api-error.js';
import { UpstreamError } from '../../../src/errors/upstream-error.js';
import type { ImageRequest } from '../../../src/domain/image-request.js';
import { sniffImageFormat } from '../../../src/images/sniff-image-format.js';
import type { ProviderCall, ProviderImage } from '../../../src/providers/provider.js';
import { MAX_TEST_DELAY_MS, createTestProvider, parsePromptDirectives, testProvider } from '../../../src/providers/test/test-adapter.js';
import { providerCall, type ProviderCallOverrides } from '../../helpers/provider-call.js';

function callFor(request: Partial<ImageRequest>, call: Omit<ProviderCallOverrides, 'request'> = {}): ProviderCall {
  return providerCall({
    request: { model: 'test/test', prompt: 'a lighthouse', size: { width: 256, height: 128 }, ...request },
    upstreamModel: 'test',
    endpoint: { instance: 'test', baseUrl: 'local:', apiKey: undefined },
    ...call,
  });
}

function bytesOf(image: ProviderImage | undefined): Buffer {
  if (image === undefined || !('bytes' in image)) throw new Error('expected image bytes');
  return image.bytes;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe('testProvider', () => {
  it('is the provider with id test, also from the factory', () => {
    expect(testProvider.id).toBe('test');
    expect(createTestProvider()).toBe(testProvider);
  });

  it('returns call.n distinct images in the requested format and size, at no cost', async () => {
    const result = await testProvider.generate(callFor({ n: 3, outputFormat: 'webp' }));
    expect(result.warnings).toEqual([]);
    expect(result.reportedCostMicros).toBe(0);
    expect(result.images).toHaveLength(3);
    const images = result.images.map(bytesOf);
    for (const [index, image] of result.images.entries()) {
      expect(image).toMatchObject({ format: 'webp' });
      expect(sniffImageFormat(images[index] ?? Buffer.alloc(0))).toBe('webp');
      const metadata = await sharp(images[index]).metadata();
      expect([metadata.width, metadata.height]).toEqual([256, 128]);
    }
    expect(images[0]?.equals(images[1] ?? Buffer.alloc(0))).toBe(false);
    expect(images[1]?.equals(images[2] ?? Buffer.alloc(0))).toBe(false);
    // The same call again gives the same pictures.
    const again = (await testProvider.generate(callFor({ n: 3, outputFormat: 'webp' }))).images.map(bytesOf);
    expect(again.map((image, index) => image.equals(images[index] ?? Buffer.alloc(0)))).toEqual([true, true, true]);
  });

  it('renders 1024x1024 for size auto', async () => {
    const result = await testProvider.generate(callFor({ size: 'auto', outputFormat: 'jpeg' }));
    const metadata = await sharp(bytesOf(result.images[0])).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 1024, 1024]);
  });

  it('strips directives before drawing', async () => {
    const plain = bytesOf((await testProvider.generate(callFor({ prompt: 'a lighthouse' }))).images[0]);
    const withDirective = bytesOf((await testProvider.generate(callFor({ prompt: 'a lighthouse [[delay:1]]' }))).images[0]);
    expect(withDirective.equals(plain)).toBe(true);
  });

  it('fails on purpose with [[fail:429]]: a retryable rate limit with retry-after', async () => {
    const error = await rejectionOf(testProvider.generate(callFor({ prompt: 'a cat [[fail:429]]' })));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      provider: 'test',
      kind: 'rate_limited',
      status: 429,
      upstreamStatus: 429,
      retryAfterMs: 1000,
      retryable: true,
      message: 'test/test failed on purpose with HTTP 429 ([[fail:429]] in the prompt)',
    });
  });

  it.each([
    [400, 'invalid_request', false],
    [401, 'authentication', false],
    [500, 'upstream_error', true],
    [503, 'unavailable', true],
    [504, 'timeout', true],
  ] as const)('fails with [[fail:%i]] as kind %s', async (status, kind, retryable) => {
    const error = await rejectionOf(testProvider.generate(callFor({ prompt: `[[FAIL: ${status}]] a cat` })));
    expect(error).toMatchObject({ status, upstreamStatus: status, kind, retryable, retryAfterMs: undefined });
  });

  it.each(['[[fail:600]]', '[[fail:200]]', '[[fail:abc]]', '[[delay:-5]]', '[[delay:1.5]]', `[[delay:${MAX_TEST_DELAY_MS + 1}]]`])(
    'rejects %s with a 400 naming prompt',
    async (directive) => {
      const error = await rejectionOf(testProvider.generate(callFor({ prompt: `a cat ${directive}` })));
      expect(error).toBeInstanceOf(ApiError);
      expect(error).not.toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ status: 400, param: 'prompt' });
    },
  );

  it('waits for [[delay:ms]] before answering', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let settled = false;
    const pending = testProvider.generate(callFor({ prompt: 'a cat [[delay:3000]]' })).finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(2999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    vi.useRealTimers();
    expect((await pending).images).toHaveLength(1);
  });

  it('delays, then fails, when both directives are given', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let settled = false;
    const pending = rejectionOf(testProvider.generate(callFor({ prompt: '[[delay:2000]] a cat [[fail:503]]' }))).finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toMatchObject({ status: 503, kind: 'unavailable' });
  });

  it('stops waiting as soon as the signal aborts, with its reason, leaving no timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const controller = new AbortController();
    const pending = rejectionOf(testProvider.generate(callFor({ prompt: 'a cat [[delay:60000]]' }, { signal: controller.signal })));
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error('client went away');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not render for a signal that is already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('deadline passed');
    controller.abort(reason);
    expect(await rejectionOf(testProvider.generate(callFor({ prompt: 'a cat' }, { signal: controller.signal })))).toBe(reason);
    expect(await rejectionOf(testProvider.generate(callFor({ prompt: 'a cat [[delay:10]]' }, { signal: controller.signal })))).toBe(reason);
  });
});

describe('parsePromptDirectives', () => {
  it('strips every directive and adds delays up', () => {
    expect(parsePromptDirectives('[[delay:100]] a cat [[ delay : 200 ]] on a mat [[fail:502]] [[fail:429]]')).toEqual({
      prompt: 'a cat on a mat',
      delayMs: 300,
      failStatus: 502,
    });
  });

  it('leaves prompts without directives, and unknown [[...]] text, untouched', () => {
    expect(parsePromptDirectives('  a cat [[wink:1]]  ')).toEqual({ prompt: '  a cat [[wink:1]]  ', delayMs: 0, failStatus: undefined });
  });

  it('bounds the total delay', () => {
    expect(parsePromptDirectives(`[[delay:${MAX_TEST_DELAY_MS}]]`).delayMs).toBe(MAX_TEST_DELAY_MS);
    expect(() => parsePromptDirectives(`[[delay:${MAX_TEST_DELAY_MS}]] [[delay:1]]`)).toThrow(ApiError);
  });
});
