import { runwareProvider } from '../../../src/providers/runware/runware-provider.js';
import { startRunwareFake } from '../../fakes/runware-fake.js';
import { catalogRouteOptions } from '../../helpers/catalog-route-options.js';
import { CONTRACT_API_KEY, type ContractCase } from '../contract-case.js';

const MODEL = 'runware:100@1';

const runwareCase: ContractCase = {
  name: 'runware',
  startFake: () => startRunwareFake({ apiKey: CONTRACT_API_KEY }),
  provider: runwareProvider,
  endpoint: (fake) => ({ instance: 'runware', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: {} }),
  upstreamModel: MODEL,
  options: catalogRouteOptions(runwareProvider, MODEL),
  carriesCredential: (call, apiKey) => call.headers['authorization'] === `Bearer ${apiKey}`,
};

export default runwareCase;
