import { stabilityProvider } from '../../../src/providers/stability/stability-provider.js';
import { startStabilityFake } from '../../fakes/stability-fake.js';
import { catalogRouteOptions } from '../../helpers/catalog-route-options.js';
import { CONTRACT_API_KEY, DEADLINE_TIMEOUT, type ContractCase } from '../contract-case.js';

const stabilityCase = (name: string, upstreamModel: string, contentPolicyAs: 'moderation' | 'filtered'): ContractCase => ({
  name,
  startFake: () => startStabilityFake({ apiKey: CONTRACT_API_KEY, contentPolicyAs }),
  provider: stabilityProvider,
  endpoint: (fake) => ({ instance: 'stability', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: {} }),
  upstreamModel,
  // What stability.yaml says of the endpoint.
  options: catalogRouteOptions(stabilityProvider, upstreamModel),
  carriesCredential: (call, apiKey) => call.headers['authorization'] === `Bearer ${apiKey}`,
  ownDeadline: DEADLINE_TIMEOUT,
});

/**
 * Core (a flagged prompt: 403 `content_moderation`) and SD 3.5 through the shared endpoint with its
 * `model` field (a blurred output: 200 with `finish_reason: CONTENT_FILTERED`); both are content policy.
 */
export default [
  stabilityCase('stability (core, moderated prompt)', 'core', 'moderation'),
  stabilityCase('stability (sd3.5-large, filtered output)', 'sd3.5-large', 'filtered'),
];
