import { comfyuiProvider } from '../../../src/providers/comfyui/comfyui-provider.js';
import { startComfyuiFake } from '../../fakes/comfyui-fake.js';
import { catalogRouteOptions } from '../../helpers/catalog-route-options.js';
import { CONTRACT_API_KEY, DEADLINE_TIMEOUT, type ContractCase } from '../contract-case.js';

const CHECKPOINT = 'sd_xl_base_1.0.safetensors';

/** ComfyUI behind a reverse proxy that checks the contract key as a bearer token. */
const comfyuiCase: ContractCase = {
  name: 'comfyui',
  startFake: () => startComfyuiFake({ token: CONTRACT_API_KEY }),
  provider: comfyuiProvider,
  endpoint: (fake) => ({ instance: 'comfyui', baseUrl: fake.baseUrl, apiKey: CONTRACT_API_KEY, keyIndex: 0, settings: {} }),
  upstreamModel: CHECKPOINT,
  options: { ...catalogRouteOptions(comfyuiProvider, CHECKPOINT), poll_interval_ms: 50 },
  request: { size: { width: 512, height: 512 } },
  carriesCredential: (call) => call.headers['authorization'] === `Bearer ${CONTRACT_API_KEY}`,
  // An execution error (CUDA out of memory) arrives in /history after a 200: retryable on another backend.
  jobFailed: { kind: 'upstream_error', status: 502, code: 'out_of_memory', retryable: true },
  ownDeadline: DEADLINE_TIMEOUT,
};

export default comfyuiCase;
