import { recraftProvider } from '../../../src/providers/recraft/recraft-provider.js';
import { startRecraftFake } from '../../fakes/recraft-fake.js';
import { catalogRouteOptions } from '../../helpers/catalog-route-options.js';
import { CONTRACT_API_KEY, DEADLINE_TIMEOUT, type ContractCase } from '../contract-case.js';

/** Recraft V3 (raster) as recraft.yaml routes it. Synchronous: no failed jobs. */
const recraftCase: ContractCase = {
  name: 'recraft (recraftv3)',
  startFake: () => startRecraftFake({ apiKey: CONTRACT_API_KEY }),
  provider: recraftProvider,
  endpoint: (fake) => ({ instance: 'recraft', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: {} }),
  upstreamModel: 'recraftv3',
  options: catalogRouteOptions(recraftProvider, 'recraftv3'),
  carriesCredential: (call, apiKey) => call.headers['authorization'] === `Bearer ${apiKey}`,
  ownDeadline: DEADLINE_TIMEOUT,
};

export default recraftCase;
