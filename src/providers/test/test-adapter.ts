import { requireRasterFormat } from '../../domain/image-format.js';
import { invalidParam } from '../../errors/api-error.js';
import { UpstreamError, kindForUpstreamStatus } from '../../errors/upstream-error.js';
import type { ImageSize } from '../../domain/image-request.js';
import { renderTestImage } from './render-test-image.js';
import type { ImageProvider, ProviderCall, ProviderResult } from '../provider.js';

/** Longest `[[delay:ms]]` a prompt may ask for (all delays of one prompt together). */
export const MAX_TEST_DELAY_MS = 120_000;
/** What `size: auto` means for the test model, as for most real ones. */
const AUTO_SIZE: ImageSize = { width: 1024, height: 1024 };
/** A 429 from the test model asks clients to retry after this long, like real rate limits do. */
const RATE_LIMIT_RETRY_AFTER_MS = 1000;
const MIN_FAIL_STATUS = 400;
const MAX_FAIL_STATUS = 599;
/** `[[fail:429]]`, `[[delay:3000]]`; the whitespace before a directive goes with it. */
const DIRECTIVE_PATTERN = /\s*\[\[\s*(fail|delay)\s*:\s*([^\]]*?)\s*\]\]/gi;

/** What a prompt asks of the test model besides a picture. */
export interface PromptDirectives {
  /** The prompt without its directives: this is what gets drawn. */
  prompt: string;
  /** Total wait before answering, from every `[[delay:ms]]`. */
  delayMs: number;
  /** HTTP status of the first `[[fail:status]]`, if any; it is thrown after the delay. */
  failStatus: number | undefined;
}

/**
 * Reads the directives clients put in prompts to test their own handling of slow and failing
 * upstreams. A directive with a bad value is a 400 naming `prompt`, so a typo is not silently
 * drawn as text.
 */
export function parsePromptDirectives(prompt: string): PromptDirectives {
  let delayMs = 0;
  let failStatus: number | undefined;
  const stripped = prompt.replace(DIRECTIVE_PATTERN, (directive: string, name: string, value: string) => {
    const amount = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (name.toLowerCase() === 'fail') {
      if (!(amount >= MIN_FAIL_STATUS && amount <= MAX_FAIL_STATUS)) {
        throw invalidParam(
          'prompt',
          `${directive.trim()} needs an HTTP status from ${MIN_FAIL_STATUS} to ${MAX_FAIL_STATUS}, e.g. [[fail:429]]`,
        );
      }
      failStatus ??= amount;
    } else {
      delayMs += amount;
      if (!(delayMs <= MAX_TEST_DELAY_MS)) {
        throw invalidParam(
          'prompt',
          `${directive.trim()}: delays need whole milliseconds, at most ${MAX_TEST_DELAY_MS} in total, e.g. [[delay:3000]]`,
        );
      }
    }
    return '';
  });
  return { prompt: stripped === prompt ? prompt : stripped.trim(), delayMs, failStatus };
}

/**
 * The provider behind the free model `test/test`: renders locally (no network, no cost) and obeys
 * prompt directives, so clients can exercise success, latency and every upstream error status.
 * It holds no state, so one instance can serve every app.
 */
export const testProvider: ImageProvider = {
  id: 'test',
  generate: generateTestImages,
};

/** The registry builds providers from factories; this one always hands out the stateless instance. */
export function createTestProvider(): ImageProvider {
  return testProvider;
}

async function generateTestImages(call: ProviderCall): Promise<ProviderResult> {
  const { request } = call;
  const directives = parsePromptDirectives(request.prompt ?? '');
  if (directives.delayMs > 0) await waitFor(directives.delayMs, call.signal);
  call.signal.throwIfAborted();
  if (directives.failStatus !== undefined) throw deliberateFailure(request.model, directives.failStatus);

  const size = request.size === 'auto' ? AUTO_SIZE : request.size;
  const images = await Promise.all(
    Array.from({ length: call.n }, (_, index) =>
      renderTestImage({
        prompt: directives.prompt,
        width: size.width,
        height: size.height,
        quality: request.quality,
        outputFormat: requireRasterFormat(request.outputFormat),
        images: request.images,
        mask: request.mask,
        // Each of the n images is its own picture, yet the same request always gives the same ones.
        variant: index,
      }),
    ),
  );
  return { images: images.map((bytes) => ({ bytes, format: request.outputFormat })), warnings: [], reportedCostMicros: 0 };
}

function deliberateFailure(model: string, status: number): UpstreamError {
  return new UpstreamError({
    provider: 'test',
    kind: kindForUpstreamStatus(status),
    status,
    upstreamStatus: status,
    message: `${model} failed on purpose with HTTP ${status} ([[fail:${status}]] in the prompt)`,
    retryAfterMs: status === 429 ? RATE_LIMIT_RETRY_AFTER_MS : undefined,
  });
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts (timer cleared). */
function waitFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
