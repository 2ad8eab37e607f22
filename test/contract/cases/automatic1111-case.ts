import { automatic1111Provider } from '../../../src/providers/automatic1111/automatic1111-provider.js';
import { startAutomatic1111Fake } from '../../fakes/automatic1111-fake.js';
import { catalogRouteOptions } from '../../helpers/catalog-route-options.js';
import { CONTRACT_API_KEY, type ContractCase } from '../contract-case.js';

/** The server started with `--api-auth`, the contract key as its `user:pass`. */
const CREDENTIALS = `contract:${CONTRACT_API_KEY}`;
const CHECKPOINT = 'v1-5-pruned-emaonly.safetensors [6ce0161689]';

const automatic1111Case: ContractCase = {
  name: 'automatic1111',
  startFake: () => startAutomatic1111Fake({ credentials: CREDENTIALS }),
  provider: automatic1111Provider,
  endpoint: (fake) => ({ instance: 'automatic1111', baseUrl: fake.baseUrl, apiKey: CREDENTIALS, keyIndex: 0, settings: {} }),
  upstreamModel: CHECKPOINT,
  options: catalogRouteOptions(automatic1111Provider, CHECKPOINT),
  carriesCredential: (call) => call.headers['authorization'] === `Basic ${Buffer.from(CREDENTIALS, 'utf8').toString('base64')}`,
};

export default automatic1111Case;
