import { geminiProvider } from '../../../src/providers/gemini/gemini-provider.js';
import { startGeminiFake } from '../../fakes/gemini-fake.js';
import type { RecordedCall } from '../../fakes/fake-upstream.js';
import { CONTRACT_API_KEY, type ContractCase } from '../contract-case.js';

/** The key travels in `x-goog-api-key` (never in the URL) on the Developer API, as a Bearer token on Vertex. */
const developerApi: ContractCase = {
  name: 'gemini (Developer API)',
  startFake: () => startGeminiFake({ apiKey: CONTRACT_API_KEY }),
  provider: geminiProvider,
  endpoint: (fake) => ({ instance: 'gemini', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: {} }),
  upstreamModel: 'gemini-2.5-flash-image',
  carriesCredential: (call: RecordedCall, apiKey: string) => call.headers['x-goog-api-key'] === apiKey && !call.query.has('key'),
};

const vertex: ContractCase = {
  name: 'gemini (Vertex AI)',
  startFake: () => startGeminiFake({ apiKey: CONTRACT_API_KEY }),
  provider: geminiProvider,
  endpoint: (fake) => ({
    instance: 'gemini-vertex',
    baseUrl: `${fake.origin}/v1/projects/contract-project/locations/global/publishers/google`,
    apiKey: CONTRACT_API_KEY,
    keyIndex: 0,
    settings: { vertex: true },
  }),
  upstreamModel: 'gemini-3-pro-image',
  options: { image_sizes: ['1K', '2K', '4K'] },
  request: { size: { width: 1376, height: 768 } },
  carriesCredential: (call: RecordedCall, apiKey: string) => call.headers['authorization'] === `Bearer ${apiKey}`,
};

export default [developerApi, vertex];
