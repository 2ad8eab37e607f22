import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { sniffImageFormat } from '../../src/images/sniff-image-format.js';
import {
  fakeImage,
  formDataOf,
  jsonOf,
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
 * A wire-faithful fake of Recraft's API (external.api.recraft.ai/v1): `POST /images/generations`
 * (JSON), `/images/imageToImage` and `/images/inpaint` (multipart `image`/`mask`, or JSON
 * `image_url`/`mask_url` data URLs), and `GET /users/me`, keyed by a Bearer token. It validates what
 * Recraft validates: the model ids, `n` 1–6, each family's size table (or an aspect token), prompt
 * length (1000 for V2/V3, 10,000 for V4+), style and negative prompt on V2/V3 only, inpainting on V3
 * only, `strength` 0–1, uploads up to 10 MB and 256–4096 px per side, and a mask of exactly the
 * image's size in pure black and white. It answers `{created, credits, data: [{image_id, url |
 * b64_json}]}` (SVG documents for `_vector` models), errors as Recraft does: plain-text 401 and
 * 404, JSON `{code, message}` for validation (the shape other clients report; Recraft's own is
 * unconfirmed), 429 with `Retry-After`, 5xx. Results are served as URLs on its file host or as base64;
 * the adapter asks for base64, so `result_gone` is not one of its scenarios.
 */
export interface RecraftFake extends FakeUpstream {
  /** API units left on the account, as `GET /users/me` reports them. */
  credits: number;
}

export const RECRAFT_FAKE_API_KEY = 'recraft-fake-token-0123456789abcdef';

const SCENARIOS: FakeScenario[] = [
  'success',
  'rate_limited',
  'bad_request',
  'server_error',
  'unauthorized',
  'slow',
  'malformed',
  'truncated',
];

const V4_SIZES = [
  '1024x1024',
  '1536x768',
  '768x1536',
  '1280x832',
  '832x1280',
  '1216x896',
  '896x1216',
  '1152x896',
  '896x1152',
  '832x1344',
  '1280x896',
  '896x1280',
  '1344x768',
  '768x1344',
];
const V4_PRO_SIZES = [
  '2048x2048',
  '3072x1536',
  '1536x3072',
  '2560x1664',
  '1664x2560',
  '2432x1792',
  '1792x2432',
  '2304x1792',
  '1792x2304',
  '1664x2688',
  '2560x1792',
  '1792x2560',
  '2688x1536',
  '1536x2688',
];
const V3_SIZES = [
  '1024x1024',
  '1365x1024',
  '1024x1365',
  '1536x1024',
  '1024x1536',
  '1820x1024',
  '1024x1820',
  '1024x2048',
  '2048x1024',
  '1434x1024',
  '1024x1434',
  '1024x1280',
  '1280x1024',
  '1024x1707',
  '1707x1024',
];
const ASPECTS = ['1:1', '2:1', '1:2', '3:2', '2:3', '4:3', '3:4', '5:4', '4:5', '6:10', '14:10', '10:14', '16:9', '9:16'];

interface Family {
  sizes: string[];
  maxPrompt: number;
  styles: boolean;
  imageToImage: boolean;
  inpaint: boolean;
  units: number;
}

const V2: Family = { sizes: V3_SIZES, maxPrompt: 1000, styles: true, imageToImage: false, inpaint: false, units: 22 };
const V3: Family = { sizes: V3_SIZES, maxPrompt: 1000, styles: true, imageToImage: true, inpaint: true, units: 40 };
const V4: Family = { sizes: V4_SIZES, maxPrompt: 10_000, styles: false, imageToImage: true, inpaint: false, units: 40 };
const V4_PRO: Family = { ...V4, sizes: V4_PRO_SIZES, units: 250 };
// Docs conflict on V4.1 image to image; the fake refuses it, as the adapter's catalog assumes.
const V4_1: Family = { ...V4, imageToImage: false, units: 35 };
const V4_1_PRO: Family = { ...V4_1, sizes: V4_PRO_SIZES, units: 210 };

const vector = (family: Family, units: number): Family => ({ ...family, units });
const MODELS: Record<string, Family> = {
  recraftv2: V2,
  recraftv2_vector: vector(V2, 44),
  recraftv3: V3,
  recraftv3_vector: vector(V3, 80),
  recraftv4: V4,
  recraftv4_vector: vector(V4, 80),
  recraftv4_pro: V4_PRO,
  recraftv4_pro_vector: vector(V4_PRO, 300),
  recraftv4_1: V4_1,
  // Vector prices of V4.1 are unconfirmed; the fake charges the raster figure.
  recraftv4_1_vector: V4_1,
  recraftv4_1_pro: V4_1_PRO,
  recraftv4_1_pro_vector: V4_1_PRO,
  recraftv4_1_utility: V4_1,
  recraftv4_1_utility_pro: V4_1_PRO,
};

const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const MAX_SEED = 4_294_967_295;
const RATE_LIMIT_RETRY_AFTER_SECONDS = 2;

type Endpoint = 'generations' | 'imageToImage' | 'inpaint';

interface ParsedRequest {
  model: string;
  n: number;
  width: number;
  height: number;
  responseFormat: 'url' | 'b64_json';
  units: number;
}

/** Plain-text bodies, as Recraft sends for auth and routing errors. */
function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response
    .writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...headers })
    .end(text);
}

export async function startRecraftFake(options: { apiKey?: string } = {}): Promise<RecraftFake> {
  const apiKey = options.apiKey ?? RECRAFT_FAKE_API_KEY;
  const state = { credits: 10_000 };
  const fake = await startFakeUpstream({
    basePath: '/v1',
    supports: SCENARIOS,
    handler: async (_request, response, call, context) => {
      const authorized = call.headers['authorization'] === `Bearer ${apiKey}`;
      if (call.method === 'GET' && call.path === '/v1/users/me') {
        if (!authorized) return sendText(response, 401, 'request unauthorized');
        return sendJson(response, 200, { id: 'b6d3f0e2-fake-user', email: 'fake@example.com', name: 'Fake', credits: state.credits });
      }
      const match = /^\/v1\/images\/(generations|imageToImage|inpaint)$/.exec(call.path);
      if (call.method !== 'POST' || !match) return sendText(response, 404, '404 page not found');
      const scenario = context.nextScenario();
      if (scenario === 'unauthorized' || !authorized) return sendText(response, 401, 'request unauthorized');
      const parsed = await parseRequest(call, match[1] as Endpoint);
      if (typeof parsed === 'string') return sendJson(response, 400, { code: 'invalid_request', message: parsed });
      return answer(response, scenario, parsed, context);
    },
  });
  return Object.defineProperties(fake, {
    credits: {
      get: () => state.credits,
      set: (value: number) => {
        state.credits = value;
      },
    },
  }) as RecraftFake;
}

type Fields = Map<string, string | Buffer>;

/** Multipart or JSON, as Recraft takes both; JSON images arrive as `*_url` data URLs. */
async function readFields(call: RecordedCall): Promise<Fields | string> {
  const fields: Fields = new Map();
  const type = String(call.headers['content-type'] ?? '');
  if (type.startsWith('multipart/form-data')) {
    const form = await formDataOf(call);
    for (const [name, value] of form.entries()) {
      fields.set(name, typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer()));
    }
    return fields;
  }
  if (!type.startsWith('application/json')) return 'Content-Type must be application/json or multipart/form-data.';
  const json = jsonOf(call);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'The body must be a JSON object.';
  for (const [name, value] of Object.entries(json)) {
    if (name === 'image_url' || name === 'mask_url') {
      const data = typeof value === 'string' ? /^data:image\/[a-z+]+;base64,(.+)$/.exec(value) : null;
      if (!data) return `'${name}' must be a data URL (the fake fetches no URLs).`;
      fields.set(name.replace('_url', ''), Buffer.from(data[1]!, 'base64'));
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      fields.set(name, String(value));
    } else {
      fields.set(name, JSON.stringify(value));
    }
  }
  return fields;
}

/** The request after Recraft's checks, or the message of its 400. */
async function parseRequest(call: RecordedCall, endpoint: Endpoint): Promise<ParsedRequest | string> {
  const fields = await readFields(call);
  if (typeof fields === 'string') return fields;
  const text = (name: string) => {
    const value = fields.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const model = text('model') ?? 'recraftv4_1';
  const family = MODELS[model];
  if (!family) return `Unknown model '${model}'.`;
  const prompt = text('prompt');
  if (!prompt) return "Field 'prompt' is required.";
  if (prompt.length > family.maxPrompt) return `Prompt is longer than ${family.maxPrompt} characters.`;
  const n = integer(text('n') ?? '1');
  if (n === undefined || n < 1 || n > 6) return "'n' must be an integer from 1 to 6.";
  const seed = text('random_seed');
  if (seed !== undefined && (integer(seed) === undefined || integer(seed)! < 0 || integer(seed)! > MAX_SEED)) return 'Invalid random_seed.';
  for (const name of ['style', 'substyle', 'negative_prompt', 'style_id']) {
    if (text(name) !== undefined && !family.styles) return `'${name}' is not supported by model '${model}'.`;
  }
  const responseFormat = text('response_format') ?? 'url';
  if (responseFormat !== 'url' && responseFormat !== 'b64_json') return `Invalid response_format '${responseFormat}'.`;

  let [width, height] = [1024, 1024];
  if (endpoint === 'generations') {
    const size = text('size');
    if (size !== undefined) {
      if (ASPECTS.includes(size)) [width, height] = [1024, 1024];
      else if (family.sizes.includes(size)) [width, height] = size.split('x').map(Number) as [number, number];
      else return `Size '${size}' is not supported by model '${model}'.`;
    }
  } else {
    if (endpoint === 'imageToImage' && !family.imageToImage) return `Model '${model}' is not supported by imageToImage.`;
    if (endpoint === 'inpaint' && !family.inpaint) return `Model '${model}' is not supported by inpaint.`;
    const image = await upload(fields.get('image'), 'image');
    if (typeof image === 'string') return image;
    [width, height] = [image.width, image.height];
    if (endpoint === 'imageToImage') {
      const strength = Number(text('strength'));
      if (text('strength') === undefined || !Number.isFinite(strength) || strength < 0 || strength > 1) {
        return "'strength' is required and must be from 0 to 1.";
      }
    } else {
      const mask = await upload(fields.get('mask'), 'mask');
      if (typeof mask === 'string') return mask;
      if (mask.width !== image.width || mask.height !== image.height) {
        return `The mask (${mask.width}x${mask.height}) must be exactly the image size (${image.width}x${image.height}).`;
      }
      if (!mask.pureBlackAndWhite) return 'The mask must be pure black (keep) and white (change), without gray.';
    }
  }
  return { model, n, width, height, responseFormat, units: family.units };
}

async function upload(
  entry: string | Buffer | undefined,
  name: 'image' | 'mask',
): Promise<{ width: number; height: number; pureBlackAndWhite: boolean } | string> {
  if (!Buffer.isBuffer(entry)) return `Field '${name}' is required and must be a file.`;
  if (entry.length > MAX_UPLOAD_BYTES) return `'${name}' exceeds 10 MB.`;
  const format = sniffImageFormat(entry);
  if (format !== 'png' && format !== 'jpeg' && format !== 'webp') return `'${name}' must be a PNG, JPEG, WebP or SVG image.`;
  const { data, info } = await sharp(entry).greyscale().raw().toBuffer({ resolveWithObject: true });
  if (name === 'image' && (Math.min(info.width, info.height) < 256 || Math.max(info.width, info.height) > 4096)) {
    return `Image sides must be from 256 to 4096 pixels, got ${info.width}x${info.height}.`;
  }
  const pureBlackAndWhite = data.every((value, index) => index % info.channels !== 0 || value === 0 || value === 255);
  return { width: info.width, height: info.height, pureBlackAndWhite };
}

/**
 * The SVG document a vector model answers, as Recraft's look: an XML declaration, a `viewBox` and
 * the size, then paths. Exported so tests can compare the bytes the gateway hands back.
 */
export function fakeSvg(width: number, height: number, index = 0): Buffer {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">\n` +
      `<path fill="#0a1f44" d="M0 0H${width}V${height}H0Z"/>\n` +
      `<path fill="#f2a541" d="M${width / 2} ${height / 8}L${(width * 7) / 8} ${(height * 7) / 8}H${width / 8}Z" opacity="${(index % 9) / 10 + 0.1}"/>\n` +
      '</svg>\n',
  );
}

function integer(text: string): number | undefined {
  return /^-?\d+$/.test(text.trim()) ? Number(text) : undefined;
}

async function answer(response: ServerResponse, scenario: FakeScenario, request: ParsedRequest, context: FakeContext): Promise<void> {
  switch (scenario) {
    case 'rate_limited':
      return sendText(response, 429, 'Too Many Requests', { 'retry-after': String(RATE_LIMIT_RETRY_AFTER_SECONDS) });
    case 'bad_request':
      return sendJson(response, 400, { code: 'invalid_request', message: 'Invalid input.' });
    case 'server_error':
      return sendText(response, 500, 'Internal Server Error');
    case 'slow':
      await sleep(context.slowMs);
      break;
    default:
      break;
  }
  const vector = request.model.endsWith('_vector');
  const data = await Promise.all(
    Array.from({ length: request.n }, async (_unused, index) => {
      // Small bytes in the answer's ratio: the gateway reads the real size from the bytes.
      const bytes = vector
        ? fakeSvg(request.width, request.height, index)
        : await fakeImage(Math.round(request.width / 16), Math.round(request.height / 16), 'png', index);
      const image_id = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
      if (request.responseFormat === 'b64_json') return { image_id, b64_json: bytes.toString('base64') };
      const url = vector ? context.hostFile(bytes, 'svg', 'image/svg+xml') : context.hostFile(bytes, 'png', 'image/png');
      return { image_id, url };
    }),
  );
  const body = { created: Math.floor(Date.now() / 1000), credits: request.units * request.n, data };
  if (scenario === 'malformed') return sendMalformed(response);
  if (scenario === 'truncated') return sendTruncatedJson(response, body);
  sendJson(response, 200, body);
}
