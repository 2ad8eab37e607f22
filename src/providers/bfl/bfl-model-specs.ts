import type { Quality } from '../../domain/image-request.js';
import { UpstreamError } from '../../errors/upstream-error.js';

/**
 * What the request builder must know about one BFL endpoint. BFL's endpoints share a submit/poll
 * flow but differ in schema (sizes, image fields, knobs), so each endpoint name maps to a spec
 * here, by exact name: behaviour is never picked by a substring of the model name.
 */
export interface BflModelSpec {
  /** Human name used in warnings, e.g. `FLUX.1 Kontext`. */
  title: string;
  /**
   * How a size is sent: `pixels` (`width`/`height` rounded to `multiple` within bounds),
   * `aspect_ratio` (a `W:H` string, the model picks the pixels) or `input` (output = input size).
   */
  size:
    | { kind: 'pixels'; multiple: number; min: number; max: number | undefined; maxPixels: number | undefined }
    | { kind: 'aspect_ratio' }
    | { kind: 'input' };
  /** Field of the first input image: `input_image` (+ `input_image_2`…), or Fill's `image`. */
  imageField: 'input_image' | 'image' | undefined;
  /** Most input images the endpoint takes (`input_image` … `input_image_N`). */
  maxInputImages: number;
  /** Whether the endpoint takes a mask (white = edit). */
  mask: boolean;
  /** FLUX.2 and Kontext refuse a missing prompt; FLUX1.1 and Fill default it to "". */
  promptRequired: boolean;
  /** Highest `safety_tolerance` (0 = strictest): 6 on FLUX.1-era endpoints, 5 on FLUX.2. */
  safetyToleranceMax: 5 | 6;
  /**
   * How `prompt_upsampling` reaches the endpoint: as itself, inverted into FLUX.2 pro/max's
   * `disable_pup` (upsampling is on by default there), or not at all (klein has no such knob).
   */
  promptUpsampling: 'prompt_upsampling' | 'disable_pup' | undefined;
  /** Ultra's `raw` ("candid" look) switch. */
  raw: boolean;
  /** `steps` per quality, for endpoints that have the knob; `auto` keeps the endpoint's default. */
  qualitySteps: Record<Exclude<Quality, 'auto'>, number> | undefined;
}

/** 4 MP as BFL counts it for FLUX.2 (2048×2048, "native 4MP output"). */
export const FLUX2_MAX_PIXELS = 2048 * 2048;

const FLUX2: BflModelSpec = {
  title: 'FLUX.2',
  size: { kind: 'pixels', multiple: 16, min: 64, max: undefined, maxPixels: FLUX2_MAX_PIXELS },
  imageField: 'input_image',
  maxInputImages: 8,
  mask: false,
  promptRequired: true,
  safetyToleranceMax: 5,
  promptUpsampling: 'disable_pup',
  raw: false,
  qualitySteps: undefined,
};

/** The BFL spec families, for routes that name an endpoint this table doesn't know (`options.family`). */
export const BFL_FAMILIES = {
  flux2: FLUX2,
  'flux2-flex': {
    ...FLUX2,
    title: 'FLUX.2 [flex]',
    promptUpsampling: 'prompt_upsampling',
    // 1–50, default 50: fewer steps are faster and cheaper in latency, coarser in detail.
    qualitySteps: { low: 12, medium: 28, high: 50 },
  },
  'flux2-klein': { ...FLUX2, title: 'FLUX.2 [klein]', maxInputImages: 4, promptUpsampling: undefined },
  kontext: {
    title: 'FLUX.1 Kontext',
    size: { kind: 'aspect_ratio' },
    imageField: 'input_image',
    // One image to edit plus three experimental references (input_image_2…_4).
    maxInputImages: 4,
    mask: false,
    promptRequired: true,
    safetyToleranceMax: 6,
    promptUpsampling: 'prompt_upsampling',
    raw: false,
    qualitySteps: undefined,
  },
  'pro-1.1': {
    title: 'FLUX1.1 [pro]',
    size: { kind: 'pixels', multiple: 32, min: 256, max: 1440, maxPixels: undefined },
    imageField: undefined,
    maxInputImages: 0,
    mask: false,
    promptRequired: false,
    safetyToleranceMax: 6,
    promptUpsampling: 'prompt_upsampling',
    raw: false,
    qualitySteps: undefined,
  },
  ultra: {
    title: 'FLUX1.1 [pro] Ultra',
    size: { kind: 'aspect_ratio' },
    imageField: undefined,
    maxInputImages: 0,
    mask: false,
    promptRequired: true,
    safetyToleranceMax: 6,
    promptUpsampling: 'prompt_upsampling',
    raw: true,
    qualitySteps: undefined,
  },
  fill: {
    title: 'FLUX.1 Fill [pro]',
    size: { kind: 'input' },
    imageField: 'image',
    maxInputImages: 1,
    mask: true,
    promptRequired: false,
    safetyToleranceMax: 6,
    promptUpsampling: 'prompt_upsampling',
    raw: false,
    // 15–50, default 50.
    qualitySteps: { low: 15, medium: 30, high: 50 },
  },
} as const satisfies Record<string, BflModelSpec>;
export type BflFamily = keyof typeof BFL_FAMILIES;

/** Endpoint names (`POST /v1/{name}`) and their family. */
export const BFL_ENDPOINT_FAMILIES: Readonly<Record<string, BflFamily>> = {
  'flux-2-pro': 'flux2',
  'flux-2-pro-preview': 'flux2',
  'flux-2-max': 'flux2',
  'flux-2-flex': 'flux2-flex',
  'flux-2-klein-4b': 'flux2-klein',
  'flux-2-klein-9b': 'flux2-klein',
  'flux-2-klein-9b-preview': 'flux2-klein',
  'flux-kontext-pro': 'kontext',
  'flux-kontext-max': 'kontext',
  'flux-pro-1.1': 'pro-1.1',
  'flux-pro-1.1-ultra': 'ultra',
  'flux-pro-1.0-fill': 'fill',
};

function isFamily(value: unknown): value is BflFamily {
  return typeof value === 'string' && Object.hasOwn(BFL_FAMILIES, value);
}

/**
 * The spec of a route's endpoint: the route option `family` wins (so a new endpoint name needs only
 * catalog data), else the known endpoint table. An unknown endpoint is a `not_found` on this route,
 * so the router can fall back to another one.
 */
export function bflModelSpec(provider: string, upstreamModel: string, options: Record<string, unknown>): BflModelSpec {
  const family = options['family'] ?? BFL_ENDPOINT_FAMILIES[upstreamModel];
  if (isFamily(family)) return BFL_FAMILIES[family];
  const known = Object.keys(BFL_FAMILIES).join(', ');
  throw new UpstreamError({
    provider,
    kind: 'not_found',
    message: `The BFL endpoint '${upstreamModel}' (provider '${provider}') is unknown to this gateway; set the route option 'family' (one of ${known}).`,
  });
}
