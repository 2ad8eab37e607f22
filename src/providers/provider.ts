import type { Base64Text } from '../domain/base64-text.js';
import type { LendBuffer } from '../domain/scratch-buffers.js';
import type { ImageFormat } from '../domain/image-format.js';
import type { GenerationWarning, ImageRequest } from '../domain/image-request.js';

/** Instance settings as every adapter may see them before its own schema types them. */
export type InstanceSettings = Record<string, unknown>;

/**
 * Where one attempt goes: an upstream instance, one of its keys, and its settings. `Settings` is
 * what the provider's settings schema made of the instance's `settings` at boot.
 */
export interface ProviderEndpoint<Settings = InstanceSettings> {
  /** The provider instance id: a built-in provider (`openai`) or a named instance (`azure-eu`). */
  instance: string;
  /** Base URL without a trailing slash, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** One key of the instance's comma-separated list; `undefined` for servers without auth. */
  apiKey: string | undefined;
  /** Position of that key in the list: for circuit breakers and logs (never log the key itself). */
  keyIndex: number;
  /** Instance settings (e.g. Azure `api_version`, `deployment`, `flavor`), parsed at boot. */
  settings: Settings;
}

/**
 * One call of one route: what an adapter receives. `Options` is what the adapter's route-options
 * schema made of the catalog route's `options:` at boot, so adapters read typed fields, never raw maps.
 */
export interface ProviderCall<Options = unknown, Settings = InstanceSettings> {
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
  /** The route's `options:` from the catalog, as the adapter's schema parsed them at boot. */
  options: Options;
  /** The upstream instance and key chosen for this attempt. */
  endpoint: ProviderEndpoint<Settings>;
  /**
   * Lends a buffer a large answer is read into instead of the socket's chunks (`UpstreamRequest`'s
   * `lendBuffer`): the entry point takes it back once nothing reads the output any more.
   */
  lendBuffer?: LendBuffer;
}

/** One image produced by a provider. */
export type ProviderImage = (
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
       * Several buffers when it spans the chunks the body arrived in (read in order).
       */
      base64: Base64Text;
    }
  | {
      /** A URL the gateway must download (through the guarded downloader) at once. */
      url: string;
    }
) & {
  /** The prompt as the upstream rewrote it before drawing (DALL·E 3 did; most models don't). */
  revisedPrompt?: string;
};

/** What an adapter returns for one call. */
export interface ProviderResult {
  images: ProviderImage[];
  /** Settings the provider could not honour, or adapted. */
  warnings: GenerationWarning[];
  /** Cost the upstream reported, in micro-USD, for `upstream` pricing. */
  reportedCostMicros?: number;
  /**
   * GPU time the upstream job took, in seconds (self-hosted engines), for `gpu_seconds` pricing: the
   * engine's own execution time when it reports one, else the wall time of the job.
   */
  gpuSeconds?: number;
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

/** One model an upstream's list names; `image` when the list says whether it makes images. */
export interface UpstreamModel {
  id: string;
  /** Other names the upstream answers to (xAI lists dated aliases). */
  aliases?: string[];
  /** `undefined`: the list does not say (OpenAI's `/models`); `models check` then guesses by name. */
  image?: boolean;
}

/** What `imagerouter models check` learns from an upstream's model list. */
export type UpstreamModelList =
  | { kind: 'listed'; /** The request, for the operator (never a key). */ source: string; models: UpstreamModel[] }
  | { kind: 'unknown'; /** Why this instance cannot tell (no list endpoint, a list of other things). */ reason: string };

/**
 * The one contract every upstream adapter implements. `Options` and `Settings` are the outputs of
 * the provider's schemas (see `provider-definition.ts`); the router holds adapters as
 * `ImageProvider` (both unknown) and hands each one only what its own schemas produced.
 */
export interface ImageProvider<Options = unknown, Settings = InstanceSettings> {
  /** Adapter id, e.g. `openai`, `bfl`, `test`. */
  readonly id: string;
  /** Images one call can return for this model; the router fans out above it. Default: any number. */
  maxImagesPerCall?(upstreamModel: string, options: Options): number;
  /** Generate (or edit) images; throws `UpstreamError` on failure. */
  generate(call: ProviderCall<Options, Settings>): Promise<ProviderResult>;
  /** A cheap authenticated request (models list or health) for `imagerouter doctor`. */
  probe?(endpoint: ProviderEndpoint<Settings>, signal: AbortSignal): Promise<ProbeResult>;
  /** The models the upstream serves, from its list endpoint, for `models check`; throws `UpstreamError` on failure. */
  listModels?(endpoint: ProviderEndpoint<Settings>, signal: AbortSignal): Promise<UpstreamModelList>;
  /** For upstreams without a list: whether one model exists (`undefined`: this id cannot be checked). */
  hasModel?(endpoint: ProviderEndpoint<Settings>, upstreamModel: string, signal: AbortSignal): Promise<boolean | undefined>;
}
