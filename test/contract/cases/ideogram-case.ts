import { ideogramProvider } from '../../../src/providers/ideogram/ideogram-provider.js';
import { startIdeogramFake } from '../../fakes/ideogram-fake.js';
import { catalogRouteOptions } from '../../helpers/catalog-route-options.js';
import { CONTRACT_API_KEY, DEADLINE_TIMEOUT, type ContractCase } from '../contract-case.js';

/** Ideogram 3.0 at its default tier (rendering speed from the request's quality). Synchronous: no failed jobs. */
const ideogramCase: ContractCase = {
  name: 'ideogram (ideogram-v3)',
  startFake: () => startIdeogramFake({ apiKey: CONTRACT_API_KEY }),
  provider: ideogramProvider,
  endpoint: (fake) => ({ instance: 'ideogram', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: {} }),
  upstreamModel: 'ideogram-v3',
  options: catalogRouteOptions(ideogramProvider, 'ideogram-v3'),
  carriesCredential: (call, apiKey) => call.headers['api-key'] === apiKey,
  ownDeadline: DEADLINE_TIMEOUT,
};

export default ideogramCase;
