import { createHash } from 'node:crypto';
import type { OverlayOptions } from 'sharp';
import { loadSharp } from '../../images/load-sharp.js';
import { invalidParam } from '../../errors/api-error.js';
import type { InputImage, Quality } from '../../domain/image-request.js';
import { applyMaskedEdit } from '../../images/apply-mask.js';
import { encodeAs, type EncodeOptions } from '../../images/convert-image.js';
import type { RasterOutputFormat } from '../../domain/image-format.js';

/** Longest edge the renderer draws: bounds its memory (4096² RGBA is 64 MB) whatever the catalog says. */
export const MAX_TEST_IMAGE_EDGE = 4096;

/** How much the picture holds and how well it is encoded, per requested quality. */
const DETAIL_BY_QUALITY: Readonly<Record<string, { shapes: number; encodeQuality: number }>> = {
  low: { shapes: 6, encodeQuality: 50 },
  medium: { shapes: 24, encodeQuality: 80 },
  high: { shapes: 48, encodeQuality: 95 },
};
/** `auto`, and any tier the renderer has no drawing of its own for. */
const DEFAULT_DETAIL = { shapes: 24, encodeQuality: 80 };
/** The benchmark model must answer fast: effort 2 halves libwebp's time for ~5% more bytes. */
const WEBP_EFFORT = 2;
/** Over input images the prompt's picture is laid at partial opacity so the inputs stay visible. */
const TINT_OPACITY = 0.3;
const OVERLAY_SHAPE_OPACITY = 0.6;
/** The caption shows the prompt's first words, enough to tell pictures apart at a glance. */
const CAPTION_WORDS = 6;
const CAPTION_CHARACTERS = 48;

export interface TestImageSpec {
  /** The prompt with directives already stripped; it seeds everything that is drawn. */
  prompt: string;
  width: number;
  height: number;
  quality: Quality;
  outputFormat: RasterOutputFormat;
  /** Input images (already validated); the picture is derived from them when present. */
  images?: readonly InputImage[];
  /** Validated mask over image 1: only its transparent area changes. */
  mask?: InputImage | undefined;
  /** Tells apart the n images of one request; 0 (default) seeds from the prompt alone. */
  variant?: number;
}

/**
 * Renders the picture of the free `test/test` model: a deterministic function of the prompt and
 * the parameters (same spec → identical bytes), drawn as one SVG at the exact output size and
 * encoded once, so a 1024x1024 image costs tens of milliseconds.
 */
export async function renderTestImage(spec: TestImageSpec): Promise<Buffer> {
  const sharp = await loadSharp();
  const { width, height, images = [], mask } = spec;
  for (const [name, edge] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(edge) || edge < 1 || edge > MAX_TEST_IMAGE_EDGE) {
      throw invalidParam('size', `test/test renders 1 to ${MAX_TEST_IMAGE_EDGE} pixels per edge, got ${name} ${edge}`);
    }
  }
  const detail = DETAIL_BY_QUALITY[spec.quality] ?? DEFAULT_DETAIL;
  const random = seededRandom(seedOf(spec.prompt, spec.variant ?? 0));
  const encoding: EncodeOptions = { quality: detail.encodeQuality, webpEffort: WEBP_EFFORT };
  const [firstImage, ...otherImages] = images;

  if (firstImage === undefined) {
    const svg = sceneSvg(random, width, height, detail.shapes, caption(spec.prompt), 'opaque');
    return encodeAs(sharp(svg).removeAlpha(), spec.outputFormat, encoding).toBuffer();
  }
  // With a mask the edit must line up pixel for pixel with the original, which `applyMaskedEdit`
  // stretches to the output size; without one, cropping keeps the input's proportions.
  const fit = mask === undefined ? 'cover' : 'fill';
  const overlay = sceneSvg(random, width, height, detail.shapes, caption(spec.prompt), 'overlay');
  const edit = sharp(firstImage.bytes, { autoOrient: true })
    .resize(width, height, { fit })
    .composite([...(await thumbnailStrip(otherImages, width, height)), { input: overlay }]);
  if (!firstImage.hasAlpha) edit.removeAlpha();
  if (mask === undefined) return encodeAs(edit, spec.outputFormat, encoding).toBuffer();

  // Lossless and uncompressed: this intermediate is decoded again at once.
  const editBytes = await edit.png({ compressionLevel: 0 }).toBuffer();
  return applyMaskedEdit(firstImage.bytes, editBytes, mask.bytes, { width, height }, { format: spec.outputFormat, ...encoding });
}

/** sha256 of the prompt (plus the variant, when not 0): different prompts give unrelated pictures. */
function seedOf(prompt: string, variant: number): Buffer {
  const hash = createHash('sha256').update(prompt);
  if (variant !== 0) hash.update(`\u0000${variant}`);
  return hash.digest();
}

/** sfc32: a small, fast PRNG; the 32-byte hash seeds far more numbers than it holds itself. */
function seededRandom(seed: Buffer): () => number {
  let a = seed.readUInt32LE(0);
  let b = seed.readUInt32LE(4);
  let c = seed.readUInt32LE(8);
  let d = seed.readUInt32LE(12);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/**
 * The prompt's picture: a diagonal gradient, then shapes, then a caption. Every number is drawn
 * from `random` in a fixed order and the shapes come last, so low quality shows the first few
 * shapes of the very picture high quality shows in full. Positions scale with the canvas.
 * `overlay` turns the gradient into a translucent tint so input images show through.
 */
function sceneSvg(
  random: () => number,
  width: number,
  height: number,
  shapeCount: number,
  text: string,
  mode: 'opaque' | 'overlay',
): Buffer {
  const shortEdge = Math.min(width, height);
  const hue = (): number => Math.floor(random() * 360);
  const number = (value: number): string => value.toFixed(1);
  const from = `hsl(${hue()},70%,55%)`;
  const to = `hsl(${hue()},70%,30%)`;
  const shapeOpacityScale = mode === 'overlay' ? OVERLAY_SHAPE_OPACITY : 1;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<defs><linearGradient id="background" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs>`,
    `<rect width="${width}" height="${height}" fill="url(#background)"${mode === 'overlay' ? ` opacity="${TINT_OPACITY}"` : ''}/>`,
  ];
  for (let index = 0; index < shapeCount; index += 1) {
    const kind = Math.floor(random() * 3);
    const x = random() * width;
    const y = random() * height;
    const extent = (0.03 + random() * 0.2) * shortEdge;
    const colour = `hsl(${hue()},80%,${30 + Math.floor(random() * 50)}%)`;
    const opacity = ((0.4 + random() * 0.5) * shapeOpacityScale).toFixed(2);
    if (kind === 0) {
      parts.push(`<circle cx="${number(x)}" cy="${number(y)}" r="${number(extent)}" fill="${colour}" fill-opacity="${opacity}"/>`);
    } else if (kind === 1) {
      const angle = Math.floor(random() * 90);
      parts.push(
        `<rect x="${number(x - extent)}" y="${number(y - extent / 2)}" width="${number(2 * extent)}" height="${number(extent)}" ` +
          `fill="${colour}" fill-opacity="${opacity}" transform="rotate(${angle} ${number(x)} ${number(y)})"/>`,
      );
    } else {
      const strokeWidth = shortEdge * (0.004 + random() * 0.01);
      parts.push(
        `<line x1="${number(x)}" y1="${number(y)}" x2="${number(random() * width)}" y2="${number(random() * height)}" ` +
          `stroke="${colour}" stroke-opacity="${opacity}" stroke-width="${number(strokeWidth)}" stroke-linecap="round"/>`,
      );
    }
  }
  if (text !== '') {
    // Sized to fit the width (DejaVu Sans averages ~0.6 em per character); no fonts → no caption.
    const fontSize = Math.min(shortEdge * 0.06, (width * 0.92) / (Array.from(text).length * 0.6));
    parts.push(
      `<text x="${number(width * 0.04)}" y="${number(height - shortEdge * 0.05)}" font-family="DejaVu Sans, sans-serif" ` +
        `font-size="${number(fontSize)}" fill="#ffffff" stroke="#000000" stroke-width="${number(fontSize * 0.08)}" ` +
        `paint-order="stroke">${escapeXml(text)}</text>`,
    );
  }
  parts.push('</svg>');
  return Buffer.from(parts.join(''));
}

/** The prompt's first words, on one line. */
function caption(prompt: string): string {
  const words = prompt.trim().split(/\s+/).slice(0, CAPTION_WORDS).join(' ');
  const characters = Array.from(words);
  return characters.length > CAPTION_CHARACTERS ? `${characters.slice(0, CAPTION_CHARACTERS - 1).join('')}…` : words;
}

/**
 * Prompts are user text inside SVG markup: escape markup and drop characters XML forbids (control
 * characters, lone surrogates), which would otherwise make the whole SVG fail to parse.
 */
function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Images 2..n as a row of thumbnails along the bottom edge, so each visibly shapes the result. */
async function thumbnailStrip(images: readonly InputImage[], width: number, height: number): Promise<OverlayOptions[]> {
  const sharp = await loadSharp();
  if (images.length === 0) return [];
  const thumbnailWidth = Math.max(1, Math.floor(width / Math.max(images.length, 4)));
  const thumbnailHeight = Math.max(1, Math.floor(height / 4));
  return Promise.all(
    images.map(async (image, index) => {
      const { data, info } = await sharp(image.bytes, { autoOrient: true })
        .resize(thumbnailWidth, thumbnailHeight, { fit: 'cover' })
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      return {
        input: data,
        raw: { width: info.width, height: info.height, channels: info.channels },
        left: index * thumbnailWidth,
        top: height - thumbnailHeight,
      };
    }),
  );
}
