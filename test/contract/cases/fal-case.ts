import { falProvider } from '../../../src/providers/fal/fal-provider.js';
import { startFalFake } from '../../fakes/fal-fake.js';
import { FAKE_SCENARIOS } from '../../fakes/fake-upstream.js';
import { catalogRouteOptions } from '../../helpers/catalog-route-options.js';
import { CONTRACT_API_KEY, DEADLINE_TIMEOUT, type ContractCase } from '../contract-case.js';

/** Polls every 5 ms: the fake answers `IN_QUEUE`, then `IN_PROGRESS`, before `COMPLETED`. */
const FAST_POLLING = { poll_interval_ms: 5 };

const falCase = (name: string, upstreamModel: string, options: Record<string, unknown> = {}): ContractCase => ({
  name,
  // `sync_mode` results are data URIs: there is no hosted file to lose.
  startFake: () =>
    startFalFake({
      apiKey: CONTRACT_API_KEY,
      supports: options['sync_mode'] === true ? FAKE_SCENARIOS.filter((scenario) => scenario !== 'result_gone') : FAKE_SCENARIOS,
    }),
  provider: falProvider,
  endpoint: (fake) => ({ instance: 'fal', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: {} }),
  upstreamModel,
  // What fal.yaml says of the endpoint, polling faster.
  options: { ...catalogRouteOptions(falProvider, upstreamModel), ...FAST_POLLING, ...options },
  // Small images keep the suite fast; FLUX takes any multiple of 16.
  request: { size: { width: 256, height: 192 } },
  carriesCredential: (call, apiKey) => call.headers['authorization'] === `Key ${apiKey}`,
  // The result of a failed job is a plain HTTP 500 with no `error_type`.
  jobFailed: { kind: 'upstream_error', status: 502, code: undefined, retryable: true },
  ownDeadline: DEADLINE_TIMEOUT,
});

/**
 * FLUX (CDN URLs, status under `owner/app` without the `/schnell` sub-path) and the same model in
 * `sync_mode` (data URIs passed through as base64).
 */
export default [
  falCase('fal (fal-ai/flux/schnell)', 'fal-ai/flux/schnell'),
  falCase('fal (fal-ai/flux/dev, sync_mode)', 'fal-ai/flux/dev', { sync_mode: true }),
];
