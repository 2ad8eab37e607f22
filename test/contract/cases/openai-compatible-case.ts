import { openAICompatibleProvider } from '../../../src/providers/openai-compatible/openai-compatible-provider.js';
import type { ProviderEndpoint } from '../../../src/providers/provider.js';
import { startAzureFake } from '../../fakes/azure-fake.js';
import { startDeepInfraFake } from '../../fakes/deepinfra-fake.js';
import type { FakeUpstream, RecordedCall } from '../../fakes/fake-upstream.js';
import { startLocalAIFake } from '../../fakes/localai-fake.js';
import { startOpenAICompatibleFake } from '../../fakes/openai-compatible-fake.js';
import { startTogetherFake } from '../../fakes/together-fake.js';
import { startXaiFake } from '../../fakes/xai-fake.js';
import { CONTRACT_API_KEY, type ContractCase } from '../contract-case.js';

/** One contract case per flavor of the `openai-compatible` adapter, each against its own fake. */

const bearer = (call: RecordedCall, apiKey: string) => call.headers.authorization === `Bearer ${apiKey}`;

function endpoint(instance: string, baseUrl: string, settings: Record<string, unknown>): ProviderEndpoint {
  return { instance, baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings };
}

function flavorCase(
  name: string,
  upstreamModel: string,
  startFake: () => Promise<FakeUpstream>,
  baseUrl: (fake: FakeUpstream) => string,
  settings: Record<string, unknown>,
): ContractCase {
  return {
    name: `openai-compatible (${name})`,
    startFake,
    provider: openAICompatibleProvider,
    endpoint: (fake) => endpoint(name, baseUrl(fake), settings),
    upstreamModel,
    carriesCredential: settings['flavor'] === 'azure' ? (call, apiKey) => call.headers['api-key'] === apiKey : bearer,
  };
}

const atBase = (fake: FakeUpstream) => fake.baseUrl;

const cases: ContractCase[] = [
  flavorCase('generic', 'served-model', () => startOpenAICompatibleFake({ flavor: 'generic', apiKey: CONTRACT_API_KEY }), atBase, {
    flavor: 'generic',
  }),
  flavorCase('localai', 'sd-1.5-ggml', () => startLocalAIFake({ apiKey: CONTRACT_API_KEY }), atBase, { flavor: 'localai' }),
  // An operator may prefer URLs (e.g. LocalAI behind a shared file store): the gateway downloads them.
  flavorCase('localai-url', 'sd-1.5-ggml', () => startLocalAIFake({ apiKey: CONTRACT_API_KEY, urlResults: true }), atBase, {
    flavor: 'localai',
    response_format: 'url',
  }),
  flavorCase('vllm', 'Qwen/Qwen-Image', () => startOpenAICompatibleFake({ flavor: 'vllm', apiKey: CONTRACT_API_KEY }), atBase, {
    flavor: 'vllm',
  }),
  flavorCase('sglang', 'Qwen/Qwen-Image', () => startOpenAICompatibleFake({ flavor: 'sglang', apiKey: CONTRACT_API_KEY }), atBase, {
    flavor: 'sglang',
  }),
  flavorCase(
    'azure',
    'gpt-image-1',
    () => startAzureFake(CONTRACT_API_KEY),
    (fake) => `${fake.origin}/openai/deployments/gpt-image-1`,
    { flavor: 'azure', api_version: '2025-04-01-preview' },
  ),
  flavorCase(
    'azure-v1',
    'gpt-image-1',
    () => startAzureFake(CONTRACT_API_KEY),
    (fake) => `${fake.origin}/openai/v1`,
    { flavor: 'azure' },
  ),
  flavorCase('xai', 'grok-imagine-image', () => startXaiFake(CONTRACT_API_KEY), atBase, { flavor: 'xai' }),
  flavorCase('together', 'black-forest-labs/FLUX.1-schnell', () => startTogetherFake(CONTRACT_API_KEY), atBase, { flavor: 'together' }),
  flavorCase('deepinfra', 'stabilityai/sdxl-turbo', () => startDeepInfraFake(CONTRACT_API_KEY), atBase, { flavor: 'deepinfra' }),
];

export default cases;
