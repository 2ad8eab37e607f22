import { openRouterProvider } from '../../../src/providers/openrouter/openrouter-provider.js';
import { startOpenRouterFake } from '../../fakes/openrouter-fake.js';
import { catalogRouteOptions } from '../../helpers/catalog-route-options.js';
import { CONTRACT_API_KEY, DEADLINE_TIMEOUT, type ContractCase } from '../contract-case.js';

/** Gemini 2.5 Flash Image through OpenRouter: synchronous, one image per completion, data URLs (nothing to expire). */
const openRouterCase: ContractCase = {
  name: 'openrouter (google/gemini-2.5-flash-image)',
  startFake: () => startOpenRouterFake({ apiKey: CONTRACT_API_KEY }),
  provider: openRouterProvider,
  endpoint: (fake) => ({ instance: 'openrouter', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: {} }),
  upstreamModel: 'google/gemini-2.5-flash-image',
  options: catalogRouteOptions(openRouterProvider, 'google/gemini-2.5-flash-image'),
  carriesCredential: (call, apiKey) => call.headers['authorization'] === `Bearer ${apiKey}`,
  ownDeadline: DEADLINE_TIMEOUT,
};

export default openRouterCase;
