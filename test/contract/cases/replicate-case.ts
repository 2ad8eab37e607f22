import { replicateProvider } from '../../../src/providers/replicate/replicate-provider.js';
import { startReplicateFake } from '../../fakes/replicate-fake.js';
import { catalogRouteOptions } from '../../helpers/catalog-route-options.js';
import { CONTRACT_API_KEY, DEADLINE_TIMEOUT, type ContractCase } from '../contract-case.js';

/** FLUX schnell, the official model every Replicate account can run, with test-speed polling. */
const replicateCase: ContractCase = {
  name: 'replicate',
  startFake: () => startReplicateFake({ apiKey: CONTRACT_API_KEY }),
  provider: replicateProvider,
  endpoint: (fake) => ({ instance: 'replicate', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: {} }),
  upstreamModel: 'black-forest-labs/flux-schnell',
  // What the catalog says of the model, polling faster.
  options: { ...catalogRouteOptions(replicateProvider, 'black-forest-labs/flux-schnell'), poll_interval_ms: 10 },
  carriesCredential: (call, apiKey) => call.headers['authorization'] === `Bearer ${apiKey}`,
  // The fake fails the job with E1000 (unknown): worth another try. Refusals are `content_policy`.
  jobFailed: { kind: 'upstream_error', status: 502, code: 'prediction_failed', retryable: true },
  ownDeadline: DEADLINE_TIMEOUT,
};

export default replicateCase;
