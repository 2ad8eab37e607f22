import { openAIProvider } from '../../../src/providers/openai/openai-provider.js';
import { startOpenAIFake } from '../../fakes/openai-fake.js';
import { catalogRouteOptions } from '../../helpers/catalog-route-options.js';
import { CONTRACT_API_KEY, DEADLINE_TIMEOUT, type ContractCase } from '../contract-case.js';

const openAICase = (name: string, upstreamModel: string, options: Record<string, unknown> = {}): ContractCase => ({
  name,
  // Only URL results (DALL·E with `response_format: url`) can go missing on the file host.
  startFake: () => startOpenAIFake({ apiKey: CONTRACT_API_KEY, urlResults: options['response_format'] === 'url' }),
  provider: openAIProvider,
  endpoint: (fake) => ({ instance: 'openai', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: {} }),
  upstreamModel,
  // What openai.yaml says of the model, plus the case's own options.
  options: { ...catalogRouteOptions(openAIProvider, upstreamModel), ...options },
  carriesCredential: (call, apiKey) => call.headers['authorization'] === `Bearer ${apiKey}`,
  ownDeadline: DEADLINE_TIMEOUT,
});

/**
 * A GPT image model (base64 results, sliced from the body) and dall-e-3 with URL results (one
 * image per call; the files are downloaded without credentials and may be gone).
 */
export default [
  openAICase('openai (gpt-image-1.5)', 'gpt-image-1.5'),
  openAICase('openai (dall-e-3, url results)', 'dall-e-3', { response_format: 'url' }),
];
