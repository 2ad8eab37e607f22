import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { sniffImageFormat } from '../../src/images/sniff-image-format.js';
import {
  fakeImage,
  formDataOf,
  sendJson,
  sendMalformed,
  sendTruncatedJson,
  sleep,
  startFakeUpstream,
  type FakeContext,
  type FakeScenario,
  type FakeUpstream,
  type RecordedCall,
} from './fake-upstream.js';

/**
 * A wire-faithful fake of Ideogram's V3 API (api.ideogram.ai): `POST /v1/ideogram-v3/generate`,
 * `/remix` and `/inpaint`, multipart only (even text to image), keyed by the `Api-Key` header.
 * It validates what Ideogram validates (enums, `aspect_ratio` with `resolution`, `num_images` 1–8,
 * the seed range, JPEG/PNG/WebP uploads up to 10 MB, a mask of the image's size), answers
 * `{created: ISO string, data: [{prompt, resolution, is_image_safe, seed, url, style_type}]}` with
 * signed URLs on its own file host that expire after `urlTtlMs`, and Ideogram's errors: untyped
 * 400/401/402/403/429/503 and the 422 `{"error": ...}` safety refusal.
 */

/** Outcomes beyond the shared scenarios, scripted per generation request (before the shared queue). */
export type IdeogramHook =
  /** 402: the account's API credits are used up. */
  | 'insufficient_credits'
  /** 403: the key is not entitled to the route. */
  | 'forbidden'
  /** The first image of the answer fails the output safety check: `is_image_safe: false`, no URL. */
  | 'first_image_unsafe'
  /** Every image of the answer fails the output safety check. */
  | 'all_images_unsafe';

export interface IdeogramFake extends FakeUpstream {
  enqueueIdeogram(...hooks: IdeogramHook[]): void;
  /** How long result URLs are served (Ideogram's signed URLs expire within hours; default a minute). */
  urlTtlMs: number;
  /** Expires every URL handed out so far at once, as if their TTL had passed. */
  expireResults(): void;
}

export const IDEOGRAM_FAKE_API_KEY = 'ideogram-fake-key-0123456789abcdef';

const SCENARIOS: FakeScenario[] = [
  'success',
  'rate_limited',
  'bad_request',
  'content_policy',
  'server_error',
  'unauthorized',
  'slow',
  'malformed',
  'truncated',
  'result_gone',
];

const RENDERING_SPEEDS = ['FLASH', 'TURBO', 'DEFAULT', 'QUALITY'];
const ASPECT_RATIOS = ['1x3', '3x1', '1x2', '2x1', '9x16', '16x9', '10x16', '16x10', '2x3', '3x2', '3x4', '4x3', '4x5', '5x4', '1x1'];
/** A few of the 69 `ResolutionV3` values: enough to tell a valid one from a typo. */
const RESOLUTIONS = ['1024x1024', '1280x800', '800x1280', '896x1152', '1152x896', '1312x736', '736x1312'];
/** The resolution Ideogram reports for an aspect ratio (1x1 and 3x4 as observed; others near 1 MP). */
const RESOLUTION_FOR_RATIO: Record<string, string> = {
  '1x1': '1024x1024',
  '3x4': '896x1152',
  '4x3': '1152x896',
  '16x9': '1312x736',
  '9x16': '736x1312',
};
const MAGIC_PROMPT = ['AUTO', 'ON', 'OFF'];
const STYLE_TYPES = ['AUTO', 'GENERAL', 'REALISTIC', 'DESIGN', 'FICTION'];
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const MAX_SEED = 2_147_483_647;
const RATE_LIMIT_RETRY_AFTER_SECONDS = 2;
const ROUTES = new Set(['generate', 'remix', 'inpaint']);

type Route = 'generate' | 'remix' | 'inpaint';

interface ParsedRequest {
  prompt: string;
  numImages: number;
  seed: number | undefined;
  magicPrompt: string | undefined;
  styleType: string;
  resolution: string;
}

export async function startIdeogramFake(options: { apiKey?: string; urlTtlMs?: number } = {}): Promise<IdeogramFake> {
  const apiKey = options.apiKey ?? IDEOGRAM_FAKE_API_KEY;
  const hooks: IdeogramHook[] = [];
  const settings = { urlTtlMs: options.urlTtlMs ?? 60_000 };
  const issued = new Set<string>();
  let fileHost: FakeContext | undefined;
  const fake = await startFakeUpstream({
    basePath: '',
    supports: SCENARIOS,
    handler: async (_request, response, call, context) => {
      // Async V4 generations are not served, so every id is unknown: the key is checked first, as Ideogram does.
      if (call.method === 'GET' && call.path.startsWith('/v1/generations/')) {
        if (call.headers['api-key'] !== apiKey) return sendJson(response, 401, { message: 'Unauthorized' });
        return sendJson(response, 404, { message: 'Generation not found.' });
      }
      const match = /^\/v1\/ideogram-v3\/([a-z-]+)$/.exec(call.path);
      if (call.method !== 'POST' || !match || !ROUTES.has(match[1]!)) return sendJson(response, 404, { detail: 'Not Found' });
      const scenario = context.nextScenario();
      const hook = hooks.shift();
      if (scenario === 'unauthorized' || call.headers['api-key'] !== apiKey) return sendJson(response, 401, { message: 'Unauthorized' });
      if (!String(call.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
        return sendJson(response, 400, { message: 'Request must be multipart/form-data.' });
      }
      if (hook === 'insufficient_credits') return sendJson(response, 402, { message: 'Insufficient API credits.' });
      if (hook === 'forbidden') return sendJson(response, 403, { message: 'Forbidden.' });
      const parsed = await parseRequest(call, match[1] as Route);
      if (typeof parsed === 'string') return sendJson(response, 400, { message: parsed });
      fileHost = context;
      return answer(response, scenario, hook, parsed, context, settings.urlTtlMs, issued);
    },
  });
  // defineProperty, not Object.assign: an accessor must stay an accessor for the setter to reach `settings`.
  return Object.defineProperties(fake, {
    enqueueIdeogram: { value: (...next: IdeogramHook[]) => void hooks.push(...next) },
    expireResults: {
      value: () => {
        for (const url of issued) fileHost?.dropFile(url);
        issued.clear();
      },
    },
    urlTtlMs: {
      get: () => settings.urlTtlMs,
      set: (value: number) => {
        settings.urlTtlMs = value;
      },
    },
  }) as IdeogramFake;
}

/** The request after Ideogram's checks, or the message of its 400. */
async function parseRequest(call: RecordedCall, route: Route): Promise<ParsedRequest | string> {
  const form = await formDataOf(call);
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const prompt = text('prompt');
  if (!prompt) return "Field 'prompt' is required.";
  const speed = text('rendering_speed');
  if (speed !== undefined && !RENDERING_SPEEDS.includes(speed)) return `Invalid rendering_speed '${speed}'.`;
  const aspect = text('aspect_ratio');
  if (aspect !== undefined && !ASPECT_RATIOS.includes(aspect)) return `Invalid aspect_ratio '${aspect}'.`;
  const resolution = text('resolution');
  if (resolution !== undefined && !RESOLUTIONS.includes(resolution)) return `Invalid resolution '${resolution}'.`;
  if (aspect !== undefined && resolution !== undefined) return 'aspect_ratio and resolution cannot be used together.';
  const numImages = integer(text('num_images') ?? '1');
  if (numImages === undefined || numImages < 1 || numImages > 8) return 'num_images must be an integer from 1 to 8.';
  const seedText = text('seed');
  const seed = seedText === undefined ? undefined : integer(seedText);
  if (seedText !== undefined && (seed === undefined || seed < 0 || seed > MAX_SEED))
    return `seed must be an integer from 0 to ${MAX_SEED}.`;
  const magicPrompt = text('magic_prompt');
  if (magicPrompt !== undefined && !MAGIC_PROMPT.includes(magicPrompt)) return `Invalid magic_prompt '${magicPrompt}'.`;
  const styleType = text('style_type') ?? 'GENERAL';
  if (!STYLE_TYPES.includes(styleType)) return `Invalid style_type '${styleType}'.`;

  let outputResolution = resolution ?? RESOLUTION_FOR_RATIO[aspect ?? '1x1'] ?? '1024x1024';
  if (route !== 'generate') {
    const image = await upload(form.get('image'), 'image');
    if (typeof image === 'string') return image;
    if (route === 'remix') {
      const weight = integer(text('image_weight') ?? '50');
      if (weight === undefined || weight < 1 || weight > 100) return 'image_weight must be an integer from 1 to 100.';
    } else {
      const mask = await upload(form.get('mask'), 'mask');
      if (typeof mask === 'string') return mask;
      if (mask.width !== image.width || mask.height !== image.height) {
        return `The mask (${mask.width}x${mask.height}) must be the same size as the image (${image.width}x${image.height}).`;
      }
      if (!mask.hasBlack) return 'The mask has no black pixels: nothing to edit (black = region to edit).';
      outputResolution = `${image.width}x${image.height}`;
    }
  }
  return { prompt, numImages, seed, magicPrompt, styleType, resolution: outputResolution };
}

async function upload(
  entry: File | string | null,
  name: 'image' | 'mask',
): Promise<{ width: number; height: number; hasBlack: boolean } | string> {
  if (entry === null || typeof entry === 'string') return `Field '${name}' must be a file.`;
  const bytes = Buffer.from(await entry.arrayBuffer());
  if (bytes.length > MAX_UPLOAD_BYTES) return `'${name}' exceeds 10 MB.`;
  const format = sniffImageFormat(bytes);
  if (format !== 'png' && format !== 'jpeg' && format !== 'webp') return `'${name}' must be a JPEG, PNG or WebP image.`;
  const { data, info } = await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, hasBlack: data.some((value, index) => index % info.channels === 0 && value < 128) };
}

function integer(text: string): number | undefined {
  return /^-?\d+$/.test(text.trim()) ? Number(text) : undefined;
}

async function answer(
  response: ServerResponse,
  scenario: FakeScenario,
  hook: IdeogramHook | undefined,
  request: ParsedRequest,
  context: FakeContext,
  urlTtlMs: number,
  issued: Set<string>,
): Promise<void> {
  switch (scenario) {
    case 'rate_limited':
      return sendJson(
        response,
        429,
        { message: 'Too many in-flight requests.' },
        { 'retry-after': String(RATE_LIMIT_RETRY_AFTER_SECONDS) },
      );
    case 'bad_request':
      return sendJson(response, 400, { message: 'Invalid input.' });
    case 'content_policy':
      return sendJson(response, 422, { error: 'Prompt failed the safety check.' });
    case 'server_error':
      return sendJson(response, 503, { message: 'Service temporarily unavailable.' });
    case 'slow':
      await sleep(context.slowMs);
      break;
    default:
      break;
  }
  const [width, height] = request.resolution.split('x').map(Number) as [number, number];
  const data = await Promise.all(
    Array.from({ length: request.numImages }, async (_unused, index) => {
      const safe = !(hook === 'all_images_unsafe' || (hook === 'first_image_unsafe' && index === 0));
      const seed = request.seed ?? 1000 + index;
      let url: string | null = null;
      if (safe) {
        // A small image in the reported ratio: the gateway reads the real size from the bytes.
        const bytes = await fakeImage(Math.round(width / 16), Math.round(height / 16), 'png', index);
        url = signed(context.hostFile(bytes, 'png', 'image/png'), urlTtlMs);
        issued.add(url);
        if (scenario === 'result_gone') context.dropFile(url);
        else setTimeout(() => context.dropFile(url!), urlTtlMs).unref();
      }
      return {
        // Magic Prompt rewrites the prompt when on; the fake marks the rewrite so tests can see it.
        prompt: request.magicPrompt === 'ON' ? `${request.prompt}, with bold lettering and a warm palette` : request.prompt,
        resolution: request.resolution,
        is_image_safe: safe,
        seed,
        url,
        style_type: request.styleType,
      };
    }),
  );
  const body = { created: new Date().toISOString(), data };
  if (scenario === 'malformed') return sendMalformed(response);
  if (scenario === 'truncated') return sendTruncatedJson(response, body);
  sendJson(response, 200, body);
}

/** Ideogram's URL form: `...png?exp=<unix seconds>&sig=<hex>`. */
function signed(url: string, ttlMs: number): string {
  const exp = Math.floor((Date.now() + ttlMs) / 1000);
  const sig = createHmac('sha256', 'fake-ideogram-signing').update(`${url}${exp}`).digest('hex');
  return `${url}?exp=${exp}&sig=${sig}`;
}
