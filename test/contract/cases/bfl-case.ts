import { bflProvider } from '../../../src/providers/bfl/bfl-provider.js';
import { startBflFake } from '../../fakes/bfl-fake.js';
import { catalogRouteOptions } from '../../helpers/catalog-route-options.js';
import { CONTRACT_API_KEY, DEADLINE_TIMEOUT, type ContractCase } from '../contract-case.js';

/** Polls every 10 ms: the fake answers `Pending` twice before `Ready`. */
const FAST_POLLING = { poll_interval_ms: 10 };

const bflCase = (upstreamModel: string): ContractCase => ({
  name: `bfl (${upstreamModel})`,
  startFake: () => startBflFake({ apiKey: CONTRACT_API_KEY }),
  provider: bflProvider,
  endpoint: (fake) => ({ instance: 'bfl', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: FAST_POLLING }),
  upstreamModel,
  // What bfl.yaml says of the endpoint, polling faster.
  options: { ...catalogRouteOptions(bflProvider, upstreamModel), ...FAST_POLLING },
  carriesCredential: (call, apiKey) => call.headers['x-key'] === apiKey,
  // A task polled to status `Error`: BFL says nothing more, so it may succeed on another try.
  jobFailed: { kind: 'upstream_error', status: 502, code: 'job_failed', retryable: true },
  ownDeadline: DEADLINE_TIMEOUT,
});

/** FLUX.2 (pixel sizes, per-megapixel cost) and Kontext (aspect ratios, PNG by default). */
export default [bflCase('flux-2-pro'), bflCase('flux-kontext-pro')];
