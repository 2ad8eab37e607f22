import { imagenProvider } from '../../../src/providers/imagen/imagen-provider.js';
import type { RecordedCall } from '../../fakes/fake-upstream.js';
import { startImagenFake } from '../../fakes/imagen-fake.js';
import { CONTRACT_API_KEY, type ContractCase } from '../contract-case.js';

const developerApi: ContractCase = {
  name: 'imagen (Developer API)',
  startFake: () => startImagenFake({ apiKey: CONTRACT_API_KEY }),
  provider: imagenProvider,
  endpoint: (fake) => ({ instance: 'imagen', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: {} }),
  upstreamModel: 'imagen-4.0-generate-001',
  options: { image_sizes: ['1K', '2K'] },
  carriesCredential: (call: RecordedCall, apiKey: string) => call.headers['x-goog-api-key'] === apiKey && !call.query.has('key'),
};

const vertex: ContractCase = {
  name: 'imagen (Vertex AI)',
  startFake: () => startImagenFake({ apiKey: CONTRACT_API_KEY }),
  provider: imagenProvider,
  endpoint: (fake) => ({
    instance: 'imagen-vertex',
    baseUrl: `${fake.origin}/v1/projects/contract-project/locations/us-central1/publishers/google/models`,
    apiKey: CONTRACT_API_KEY,
    keyIndex: 0,
    settings: {},
  }),
  upstreamModel: 'imagen-4.0-fast-generate-001',
  request: { size: { width: 1408, height: 768 } },
  carriesCredential: (call: RecordedCall, apiKey: string) => call.headers['authorization'] === `Bearer ${apiKey}`,
};

export default [developerApi, vertex];
