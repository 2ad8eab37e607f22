import type { ImageFormat } from '../domain/image-format.js';
import type { GenerationWarning, ImageRequest } from '../domain/image-request.js';

/** Where one attempt goes: an upstream instance, one of its keys, and its settings. */
export interface ProviderEndpoint {
  /** The provider instance id: a built-in provider (`openai`) or a named instance (`azure-eu`). */
  instance: string;
  /** Base URL without a trailing slash, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** One key of the instance's comma-separated list; `undefined` for servers without auth. */
  apiKey: string | undefined;
  /** Position of that key in the list: for circuit breakers and logs (never log the key itself). */
  keyIndex: number;
  /** Instance settings from the config file (e.g. Azure `api_version`, `deployment`, `flavor`). */
  settings: Record<string, unknown>;
}

/** One call of one route: what an adapter receives. */
export interface ProviderCall {
  /** The validated client request. */
  request: ImageRequest;
  /** The model name the upstream expects (the route's `model`). */
  upstreamModel: string;
  /** How many images this call must return (the router fans out when a route gives one per call). */
  n: number;
  /** Aborted on client disconnect or when the request deadline passes. */
  signal: AbortSignal;
  /** Epoch ms after which the call must give up. */
  deadline: number;
  /** Route-level options from the catalog (provider-specific settings). */
  options: Record<string, unknown>;
  /** The upstream instance and key chosen for this attempt. */
  endpoint: ProviderEndpoint;
}

/** One image produced by a provider. */
export type ProviderImage =
  | {
      /** Raw encoded bytes. */
      bytes: Buffer;
      /** Format detected from the bytes. */
      format: ImageFormat;
    }
  | {
      /**
       * Base64 text exactly as the upstream sent it (ASCII bytes). Kept encoded so that a
       * `b64_*` response in the same format passes it through without decoding and re-encoding.
       */
      base64: Buffer;
    }
  | {
      /** A URL the gateway must download (through the guarded downloader) at once. */
      url: string;
    };

/** What an adapter returns for one call. */
export interface ProviderResult {
  images: ProviderImage[];
  /** Settings the provider could not honour, or adapted. */
  warnings: GenerationWarning[];
  /** Cost the upstream reported, in micro-USD, for `upstream` pricing. */
  reportedCostMicros?: number;
  /** Token usage the upstream reported, for `tokens` pricing. */
  usage?: {
    inputTextTokens?: number;
    inputImageTokens?: number;
    outputImageTokens?: number;
    /** Text the model wrote, thinking included (billed as output text by e.g. Gemini 3). */
    outputTextTokens?: number;
  };
}

/** What `imagerouter doctor` learns by probing an endpoint. */
export interface ProbeResult {
  ok: boolean;
  /** One line for the operator: what was called and what came back (never a key). */
  detail: string;
}

/** The one contract every upstream adapter implements. */
export interface ImageProvider {
  /** Adapter id, e.g. `openai`, `bfl`, `test`. */
  readonly id: string;
  /** Images one call can return for this model; the router fans out above it. Default: any number. */
  maxImagesPerCall?(upstreamModel: string, options: Record<string, unknown>): number;
  /** Generate (or edit) images; throws `UpstreamError` on failure. */
  generate(call: ProviderCall): Promise<ProviderResult>;
  /** A cheap authenticated request (models list or health) for `imagerouter doctor`. */
  probe?(endpoint: ProviderEndpoint, signal: AbortSignal): Promise<ProbeResult>;
}
