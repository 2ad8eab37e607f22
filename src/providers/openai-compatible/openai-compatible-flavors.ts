import type { ImageFormat, OutputFormat } from '../../domain/image-format.js';
import type { MaskConvention } from '../common/input-image-conversion.js';

/**
 * The servers this adapter speaks to. They all take `POST …/images/generations` in OpenAI's shape
 * and differ in details (auth header, `response_format`, size fields, edits). Each difference is a
 * field of a `FlavorProfile` below, so the builder reads data instead of branching on names.
 */
export const FLAVORS = ['generic', 'localai', 'vllm', 'sglang', 'azure', 'xai', 'together', 'deepinfra'] as const;
export type Flavor = (typeof FLAVORS)[number];

/** How the key travels: `Authorization: Bearer`, Azure's `api-key`, LocalAI's `x-api-key`, or not at all. */
export const AUTH_STYLES = ['bearer', 'api-key', 'x-api-key', 'none'] as const;
export type AuthStyle = (typeof AUTH_STYLES)[number];

/** How a requested `WxH` reaches the upstream. */
export const SIZE_PARAMS = ['size', 'width_height', 'aspect_ratio', 'none'] as const;
export type SizeParam = (typeof SIZE_PARAMS)[number];

/**
 * How input images travel:
 * - `multipart`: OpenAI's `POST /images/edits` form (`image`/`image[]`, `mask`);
 * - `json-edits`: xAI's JSON `POST /images/edits` with `image: {url}` / `images: [{url}]` (data URIs);
 * - `json-generations`: image fields in the generations body (Together `image_url`, LocalAI `file`).
 */
export type EditTransport = 'multipart' | 'json-edits' | 'json-generations';

/** How a JSON image field carries the image. */
export type ImageEncoding = 'data-uri' | 'raw-base64';

export interface FlavorProfile {
  flavor: Flavor;
  auth: AuthStyle;
  /** Value of `response_format`; `undefined` omits it (Azure GPT-image refuses the parameter). */
  responseFormat: string | undefined;
  sizeParam: SizeParam;
  /** Aspect ratios the upstream takes, for `sizeParam: aspect_ratio`. */
  aspectRatios: readonly string[];
  /** Known output sizes by aspect ratio (xAI's 1k table): an exact request needs no warning. */
  sizeTable: Readonly<Record<string, string>>;
  /** A second resolution tier for large sizes (xAI `resolution: 2k`). */
  resolution?: { field: string; small: string; large: string; largeAboveLongEdge: number };
  /** `quality` values the upstream takes as they are; others need a `steps` route option. */
  qualityValues: readonly string[];
  /** Field that takes a step count when a route maps quality to steps (`steps` option). */
  stepsField: string | undefined;
  /** `output_format` values the upstream takes; the first one stands in for the others. Empty: never sent. */
  outputFormats: readonly OutputFormat[];
  /** Client `extra` parameters passed through as they are. */
  extras: readonly string[];
  /** Most images one upstream request may ask for; the adapter sends several requests above it. */
  maxImagesPerRequest: number;
  edits: EditTransport;
  /** Multipart field for several images: OpenAI's `image[]`, or `image` repeated (DeepInfra). */
  multipartImageField: 'image[]' | 'image';
  /** JSON image fields (for `json-generations`): one image, several images, and their encoding. */
  jsonImageFields?: { single: string; multiple: string; encoding: ImageEncoding };
  /** What "edit here" looks like in the mask the upstream takes; `undefined`: no masks. */
  maskConvention: MaskConvention | undefined;
  /** Input image formats the upstream reads; others are re-encoded. */
  inputFormats: readonly ImageFormat[];
  /** SGLang seeds every request with 1024 unless told otherwise: send a random seed instead. */
  randomSeedWhenMissing: boolean;
  /** Path (after the base URL) of a cheap authenticated GET for `imagerouter doctor`. */
  probePath: string;
}

const OPENAI_EXTRAS = ['user', 'style', 'background', 'output_compression', 'moderation', 'input_fidelity'] as const;
const DIFFUSION_EXTRAS = ['seed', 'negative_prompt', 'guidance_scale', 'true_cfg_scale', 'num_inference_steps'] as const;
const ALL_OUTPUT_FORMATS: readonly OutputFormat[] = ['png', 'jpeg', 'webp'];
const COMMON_INPUT_FORMATS: readonly ImageFormat[] = ['png', 'jpeg', 'webp'];

/** xAI's observed 1k output sizes (ImageRouter's table, per xai.md section 7): size → aspect ratio. */
export const XAI_SIZE_TABLE: Readonly<Record<string, string>> = {
  '1024x1024': '1:1',
  '1280x896': '4:3',
  '896x1280': '3:4',
  '1408x768': '16:9',
  '768x1408': '9:16',
  '1296x864': '3:2',
  '864x1296': '2:3',
  '1248x576': '19.5:9',
  '576x1248': '9:19.5',
  '1280x576': '20:9',
  '576x1280': '9:20',
  '1408x704': '2:1',
  '704x1408': '1:2',
};
const XAI_ASPECT_RATIOS = [...new Set(Object.values(XAI_SIZE_TABLE))];
/** Ratios for upstreams that take `aspect_ratio` without publishing a list (Together Kontext, if a route asks). */
const COMMON_ASPECT_RATIOS = ['1:1', '4:3', '3:4', '3:2', '2:3', '16:9', '9:16', '21:9', '9:21'];

const base: Omit<FlavorProfile, 'flavor'> = {
  auth: 'bearer',
  responseFormat: 'b64_json',
  sizeParam: 'size',
  aspectRatios: COMMON_ASPECT_RATIOS,
  sizeTable: {},
  qualityValues: [],
  stepsField: undefined,
  outputFormats: [],
  extras: [],
  maxImagesPerRequest: 10,
  edits: 'multipart',
  multipartImageField: 'image[]',
  maskConvention: 'alpha',
  inputFormats: COMMON_INPUT_FORMATS,
  randomSeedWhenMissing: false,
  probePath: '/models',
};

export const FLAVOR_PROFILES: Readonly<Record<Flavor, FlavorProfile>> = {
  // Any OpenAI-shaped server: OpenAI's parameters, plus the common diffusion ones they tend to accept.
  generic: {
    ...base,
    flavor: 'generic',
    qualityValues: ['low', 'medium', 'high'],
    stepsField: 'num_inference_steps',
    outputFormats: ALL_OUTPUT_FORMATS,
    extras: [...OPENAI_EXTRAS, 'seed', 'negative_prompt'],
  },
  // No /images/edits: images ride on generations (`file`), masks go to /images/inpainting (white = edit).
  localai: {
    ...base,
    flavor: 'localai',
    stepsField: 'step',
    extras: ['seed', 'negative_prompt'],
    edits: 'json-generations',
    jsonImageFields: { single: 'file', multiple: 'files', encoding: 'raw-base64' },
    maskConvention: 'white',
    inputFormats: ['png', 'jpeg'],
  },
  // `url` is a 400 on vLLM-Omni; it returns PNG/JPEG/WebP on request.
  vllm: { ...base, flavor: 'vllm', stepsField: 'num_inference_steps', outputFormats: ALL_OUTPUT_FORMATS, extras: DIFFUSION_EXTRAS },
  // `url` needs cloud storage on SGLang; its default seed is a constant.
  sglang: {
    ...base,
    flavor: 'sglang',
    stepsField: 'num_inference_steps',
    outputFormats: ALL_OUTPUT_FORMATS,
    extras: [...DIFFUSION_EXTRAS, 'output_compression'],
    randomSeedWhenMissing: true,
  },
  // GPT-image deployments: always base64, and `response_format` is an unknown parameter.
  azure: {
    ...base,
    flavor: 'azure',
    auth: 'api-key',
    responseFormat: undefined,
    qualityValues: ['low', 'medium', 'high'],
    outputFormats: ALL_OUTPUT_FORMATS,
    extras: OPENAI_EXTRAS,
  },
  // `size` is a 400; JSON edits with data URIs; no masks; JPEG out.
  xai: {
    ...base,
    flavor: 'xai',
    sizeParam: 'aspect_ratio',
    aspectRatios: XAI_ASPECT_RATIOS,
    sizeTable: XAI_SIZE_TABLE,
    resolution: { field: 'resolution', small: '1k', large: '2k', largeAboveLongEdge: 1536 },
    extras: ['user'],
    edits: 'json-edits',
    maskConvention: undefined,
    probePath: '/image-generation-models',
  },
  // `base64` (not `b64_json`), width/height, n ≤ 4, images as `image_url`/`reference_images`, no masks.
  together: {
    ...base,
    flavor: 'together',
    responseFormat: 'base64',
    sizeParam: 'width_height',
    stepsField: 'steps',
    outputFormats: ['png', 'jpeg'],
    extras: ['seed', 'negative_prompt', 'guidance_scale', 'steps'],
    maxImagesPerRequest: 4,
    edits: 'json-generations',
    jsonImageFields: { single: 'image_url', multiple: 'reference_images', encoding: 'data-uri' },
    maskConvention: undefined,
  },
  // The OpenAI route only answers `b64_json`; edits repeat `image`; n ≤ 4.
  deepinfra: { ...base, flavor: 'deepinfra', extras: ['user'], maxImagesPerRequest: 4, multipartImageField: 'image' },
};

/** Paths after an instance's base URL (Azure classic URLs add `?api-version=`). */
export const GENERATIONS_PATH = '/images/generations';
export const EDITS_PATH = '/images/edits';
export const LOCALAI_INPAINTING_PATH = '/images/inpainting';
