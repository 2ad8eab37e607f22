import type { ImageFormat } from '../images/image-format.js';
import type { GenerationWarning, ImageRequest } from '../generation/image-request.js';

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
      /** A URL the gateway must download (through the guarded downloader) at once. */
      url: string;
    };

/** What an adapter returns for one call. */
export interface ProviderResult {
  images: ProviderImage[];
  /** Settings the provider could not honour. */
  warnings: GenerationWarning[];
  /** Cost the upstream reported, in micro-USD, for `upstream` pricing. */
  reportedCostMicros?: number;
  /** Token usage the upstream reported, for `tokens` pricing. */
  usage?: {
    inputTextTokens?: number;
    inputImageTokens?: number;
    outputImageTokens?: number;
  };
}

/** The one contract every upstream adapter implements. */
export interface ImageProvider {
  /** Provider id as used in catalog routes, e.g. `openai`, `test`. */
  readonly id: string;
  /** Generate (or edit) images; throws `UpstreamError` on failure. */
  generate(call: ProviderCall): Promise<ProviderResult>;
}
