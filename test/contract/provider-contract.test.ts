import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpstreamError } from '../../src/errors/upstream-error.js';
import { createResultDownloader } from '../../src/generation/download-result.js';
import { finishedImageBytes } from '../../src/domain/finished-image.js';
import { finishImages } from '../../src/generation/finish-images.js';
import type { ImageRequest } from '../../src/domain/image-request.js';
import { createAddressPolicy } from '../../src/net/address-policy.js';
import type { ImageProvider, ProviderCall } from '../../src/providers/provider.js';
import type { FakeScenario, FakeUpstream } from '../fakes/fake-upstream.js';
import { upstreamFailure } from '../helpers/caught-error.js';
import { waitFor } from '../helpers/gateway-client.js';
import { parsedCall, timeLimit, type ProviderCallOverrides } from '../helpers/provider-call.js';
import { CONTRACT_API_KEY, type ContractCase, type ExpectedUpstreamError } from './contract-case.js';

const casesDir = path.join(import.meta.dirname, 'cases');
const cases: ContractCase[] = [];
for (const file of (await readdir(casesDir)).filter((name) => name.endsWith('-case.ts')).sort()) {
  const module = (await import(pathToFileURL(path.join(casesDir, file)).href)) as { default: ContractCase | ContractCase[] };
  cases.push(...(Array.isArray(module.default) ? module.default : [module.default]));
}

/** Model and prompt as the contract suite has always sent them; the rest are `imageRequest()` defaults. */
const baseRequest: Partial<ImageRequest> = { model: 'contract/model', prompt: 'a lighthouse on a cliff at dawn' };

/** The fields a case declares for an expected error, read off the actual one. */
const expectedShape = (error: UpstreamError): ExpectedUpstreamError => ({
  kind: error.kind,
  status: error.status,
  code: error.code,
  retryable: error.retryable,
});

const downloadResult = createResultDownloader({ policy: createAddressPolicy(['127.0.0.1']), maxBytes: 50 * 1024 * 1024, timeoutMs: 5_000 });

/**
 * Which scenarios each provider can produce, asked of its fake once at collection: a scenario a
 * provider can't produce (a failed async job on a synchronous API) gets no test at all, rather
 * than a skipped one.
 */
const supportsOf = new Map<ContractCase, ReadonlySet<FakeScenario>>();
for (const contractCase of cases) {
  const probe = await contractCase.startFake();
  supportsOf.set(contractCase, new Set(probe.supports));
  await probe.close();
}

describe.each(cases.map((contractCase) => [contractCase.name, contractCase] as const))('provider contract: %s', (_name, contractCase) => {
  let fake: FakeUpstream;
  let provider: ImageProvider;

  beforeAll(async () => {
    fake = await contractCase.startFake();
    provider = contractCase.provider.createAdapter();
  });
  afterAll(() => fake?.close());

  const call = (overrides: Omit<ProviderCallOverrides, 'request'> = {}, requestOverrides: Partial<ImageRequest> = {}): ProviderCall =>
    parsedCall(contractCase.provider, {
      request: { ...baseRequest, ...contractCase.request, ...requestOverrides },
      upstreamModel: contractCase.upstreamModel,
      ...timeLimit(20_000),
      options: contractCase.options ?? {},
      endpoint: contractCase.endpoint(fake),
      ...overrides,
    });
  const scripted = (scenario: FakeScenario) => (name: string, body: () => Promise<void>) => {
    if (supportsOf.get(contractCase)?.has(scenario)) it(name, body);
  };

  it('returns the requested number of real images, credentials only on API calls', async () => {
    const perCall = Math.min(2, provider.maxImagesPerCall?.(contractCase.upstreamModel, call().options) ?? 2);
    fake.calls.length = 0;
    const result = await provider.generate(call({ n: perCall }, { n: perCall }));
    expect(result.images).toHaveLength(perCall);
    const images = await finishImages(
      { downloadResult },
      {
        images: result.images.map((image) => ({ image, provider: provider.id })),
        outputFormat: 'png',
        signal: AbortSignal.timeout(10_000),
      },
    );
    for (const image of images) {
      const metadata = await sharp(finishedImageBytes(image)).metadata();
      expect(metadata.format).toBe('png');
      expect(metadata.width).toBeGreaterThan(0);
    }
    const apiCalls = fake.calls.filter((recorded) => recorded.kind === 'api');
    expect(apiCalls.length).toBeGreaterThan(0);
    expect(apiCalls.some((recorded) => contractCase.carriesCredential(recorded, CONTRACT_API_KEY))).toBe(true);
    for (const cdnCall of fake.calls.filter((recorded) => recorded.kind === 'cdn')) {
      expect(JSON.stringify(cdnCall.headers)).not.toContain(CONTRACT_API_KEY);
      expect(cdnCall.query.toString()).not.toContain(CONTRACT_API_KEY);
    }
  });

  scripted('rate_limited')('maps 429 to a retryable rate limit with Retry-After', async () => {
    fake.enqueue('rate_limited');
    const error = await upstreamFailure(provider.generate(call()));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(2000);
    expect(error.message).not.toContain(CONTRACT_API_KEY);
  });

  scripted('bad_request')('maps 400 to a non-retryable invalid request', async () => {
    fake.enqueue('bad_request');
    const error = await upstreamFailure(provider.generate(call()));
    expect(error.kind).toBe('invalid_request');
    expect(error.retryable).toBe(false);
  });

  scripted('content_policy')('maps a content-policy refusal to our 400 content_policy_violation', async () => {
    fake.enqueue('content_policy');
    const error = await upstreamFailure(provider.generate(call()));
    expect(error.kind).toBe('content_policy');
    expect(error.status).toBe(400);
    expect(error.type).toBe('content_policy_violation');
    expect(error.code).toBe('content_policy_violation');
    expect(error.retryable).toBe(false);
  });

  scripted('server_error')('maps 5xx to a retryable upstream error', async () => {
    fake.enqueue('server_error');
    const error = await upstreamFailure(provider.generate(call()));
    expect(error.retryable).toBe(true);
  });

  scripted('unauthorized')('maps a bad key to an authentication error without echoing the key', async () => {
    fake.enqueue('unauthorized');
    const error = await upstreamFailure(provider.generate(call()));
    expect(error.kind).toBe('authentication');
    expect(error.message).not.toContain(CONTRACT_API_KEY);
  });

  scripted('slow')("gives up when its signal aborts at the deadline, rejecting with the signal's own reason", async () => {
    fake.enqueue('slow');
    fake.slowMs = 5_000;
    const signal = AbortSignal.timeout(300);
    // A later deadline keeps adapters' own timers out of it: only the signal can end this call.
    const rejection = await provider.generate(call({ signal, deadline: Date.now() + 20_000 })).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(signal.aborted).toBe(true);
    // The router tells a deadline (504) from a client that left (499) by this reason alone.
    expect(rejection).toBe(signal.reason);
    expect(rejection).toMatchObject({ name: 'TimeoutError' });
  });

  const ownDeadline = contractCase.ownDeadline;
  if (ownDeadline) {
    scripted('slow')('gives up with its own timeout when the deadline passes before the signal aborts', async () => {
      fake.enqueue('slow');
      fake.slowMs = 5_000;
      const error = await upstreamFailure(provider.generate(call({ deadline: Date.now() + 300 })));
      expect(expectedShape(error)).toEqual(ownDeadline);
    });
  }

  /** The endpoint of the case under another instance name (`bfl-eu`, `azure-us`, ...). */
  const namedEndpoint = () => ({ ...contractCase.endpoint(fake), instance: 'named-instance' });
  const httpErrorScenario = (['bad_request', 'server_error', 'unauthorized', 'rate_limited'] as const).find((scenario) =>
    supportsOf.get(contractCase)?.has(scenario),
  );

  it('names the instance it called, not the adapter, in an HTTP error', async () => {
    expect(httpErrorScenario).toBeDefined();
    fake.enqueue(httpErrorScenario!);
    const error = await upstreamFailure(provider.generate(call({ endpoint: namedEndpoint() })));
    expect(error.provider).toBe('named-instance');
    expect(error.message).toContain("'named-instance'");
  });

  scripted('malformed')('names the instance it called in a malformed-response error', async () => {
    fake.enqueue('malformed');
    const error = await upstreamFailure(provider.generate(call({ endpoint: namedEndpoint() })));
    expect(error.provider).toBe('named-instance');
    expect(error.message).toContain("'named-instance'");
  });

  scripted('malformed')('rejects a malformed 200 body as an upstream error', async () => {
    fake.enqueue('malformed');
    const error = await upstreamFailure(provider.generate(call()));
    expect(error.kind).toBe('upstream_error');
  });

  scripted('truncated')('rejects a truncated 200 body as an upstream error', async () => {
    fake.enqueue('truncated');
    const error = await upstreamFailure(provider.generate(call()));
    expect(error.kind).toBe('upstream_error');
  });

  scripted('stalled')('abandons an answer that stalls mid-body when its signal aborts, and hangs up on the provider', async () => {
    fake.enqueue('stalled');
    fake.calls.length = 0;
    const controller = new AbortController();
    const reason = new Error('the client left');
    const generating = provider.generate(call({ signal: controller.signal, deadline: Date.now() + 20_000 })).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const answering = await waitFor(
      // The call whose answer began and never ended (an async provider answered its submit and polls in full).
      async () => fake.calls.find((recorded) => recorded.kind === 'api' && recorded.answerStarted && !recorded.answerEnded),
      10_000,
      'the stalled answer',
    );
    controller.abort(reason);
    expect(await generating).toBe(reason);
    // Nothing keeps a socket open for an answer nobody reads.
    await answering.connectionClosed;
  });

  scripted('job_failed')('reports a failed async job as the error its case declares', async () => {
    expect(contractCase.jobFailed, 'a case whose fake can fail a job must declare the error it ends in').toBeDefined();
    fake.enqueue('job_failed');
    const error = await upstreamFailure(provider.generate(call()));
    expect(expectedShape(error)).toEqual(contractCase.jobFailed);
  });

  scripted('result_gone')('reports a result URL that is gone', async () => {
    fake.enqueue('result_gone');
    const error = await upstreamFailure(
      provider.generate(call()).then((result) =>
        finishImages(
          { downloadResult },
          {
            images: result.images.map((image) => ({ image, provider: provider.id })),
            outputFormat: 'png',
            signal: AbortSignal.timeout(5_000),
          },
        ),
      ),
    );
    expect(error.kind).toBe('upstream_error');
    expect(error.message).toContain('no longer available');
  });
});
