import sharp from 'sharp';
import { convertImage, DEFAULT_LOSSY_QUALITY, DEFAULT_WEBP_EFFORT, encodeAs, PNG_COMPRESSION_LEVEL } from '../src/images/convert-image.js';
import type { RasterOutputFormat as OutputFormat } from '../src/domain/image-format.js';
import { cpuSnapshot, cpuUsageBetween, otherLoadNote } from './cpu-time.js';
import type { BenchSettings, Scenario } from './scenario.js';
import { elapsedMs, formatInteger, formatMs, markdownTable, summarize } from './stats.js';

const EDGE = 1024;
const CHANNELS = 3;
/** Untimed rounds per conversion first: code paths, allocator and CPU caches settle. */
const WARMUP_ROUNDS = 3;
const CONVERSIONS: ReadonlyArray<readonly [OutputFormat, OutputFormat]> = [
  ['png', 'webp'],
  ['png', 'jpeg'],
  ['webp', 'png'],
  ['jpeg', 'webp'],
  ['webp', 'jpeg'],
  ['jpeg', 'png'],
];
/** Fixed seed: the same picture, hence the same byte sizes, on every run. */
const PICTURE_SEED = 0x1024_beef;

type Convert = (bytes: Buffer, from: OutputFormat, to: OutputFormat) => Promise<Buffer>;

/**
 * Milliseconds per conversion of one 1024x1024 photo-like picture through `convertImage`, and
 * through sharp alone with the same encoder settings: the difference is what the wrapper costs.
 */
export const formatConversionScenario: Scenario = {
  name: 'conversion',
  title: 'Format conversion of a 1024x1024 image',
  async run(settings, progress) {
    // libvips would otherwise keep decoded inputs between identical calls; the gateway never sees
    // the same input twice, so every round must decode from scratch.
    const cacheLimits = sharp.cache();
    sharp.cache(false);
    try {
      progress('drawing the 1024x1024 test picture …');
      const sources = await encodeSources();
      const rows: string[][] = [];
      const measuringStart = cpuSnapshot();
      for (const [from, to] of CONVERSIONS) {
        progress(`${from} → ${to} …`);
        rows.push(await measureConversion(sources[from], from, to, settings));
      }
      const note = otherLoadNote(cpuUsageBetween(measuringStart, cpuSnapshot()));
      return [describe(settings, sources), '', markdownTable(COLUMNS, rows), '', note].join('\n');
    } finally {
      sharp.cache({ memory: cacheLimits.memory.max, files: cacheLimits.files.max, items: cacheLimits.items.max });
    }
  },
};

const COLUMNS = [
  { title: 'conversion' },
  { title: 'input bytes', align: 'right' },
  { title: 'output bytes', align: 'right' },
  { title: 'convertImage mean ms', align: 'right' },
  { title: 'convertImage p50 ms', align: 'right' },
  { title: 'sharp alone mean ms', align: 'right' },
  { title: 'sharp alone p50 ms', align: 'right' },
  { title: 'same bytes', align: 'right' },
] as const;

function describe(settings: BenchSettings, sources: Record<OutputFormat, Buffer>): string {
  return (
    `One ${EDGE}x${EDGE} RGB picture (gradients, hills, a soft sun, fractal texture and grain; deterministic) encoded as ` +
    `PNG (${formatInteger(sources.png.length)} bytes), JPEG (${formatInteger(sources.jpeg.length)}) and WebP ` +
    `(${formatInteger(sources.webp.length)}) with the gateway's settings: PNG compression level ${PNG_COMPRESSION_LEVEL}, ` +
    `JPEG quality ${DEFAULT_LOSSY_QUALITY} (libjpeg-turbo, no mozjpeg), WebP quality ${DEFAULT_LOSSY_QUALITY} effort ${DEFAULT_WEBP_EFFORT}. ` +
    `Each conversion runs one at a time, ${WARMUP_ROUNDS} untimed rounds then ${settings.iterations} timed ones, ` +
    "`convertImage` and sharp alone alternating; libvips' operation cache is off so every round decodes. " +
    '`same bytes`: both produced identical output, so the settings really are equivalent.'
  );
}

async function measureConversion(source: Buffer, from: OutputFormat, to: OutputFormat, settings: BenchSettings): Promise<string[]> {
  const wrapperMs: number[] = [];
  const aloneMs: number[] = [];
  let wrapperOutput: Buffer = Buffer.alloc(0);
  let aloneOutput: Buffer = Buffer.alloc(0);
  for (let round = 0; round < WARMUP_ROUNDS + settings.iterations; round += 1) {
    const timed = round >= WARMUP_ROUNDS;
    // Alternate who goes first, so neither always runs on the other's warm caches.
    const order: Array<['wrapper' | 'alone', Convert]> =
      round % 2 === 0
        ? [
            ['wrapper', convertImage],
            ['alone', convertWithSharpAlone],
          ]
        : [
            ['alone', convertWithSharpAlone],
            ['wrapper', convertImage],
          ];
    for (const [which, convert] of order) {
      const startNs = process.hrtime.bigint();
      const output = await convert(source, from, to);
      const ms = elapsedMs(startNs, process.hrtime.bigint());
      if (which === 'wrapper') {
        wrapperOutput = output;
        if (timed) wrapperMs.push(ms);
      } else {
        aloneOutput = output;
        if (timed) aloneMs.push(ms);
      }
    }
  }
  const wrapper = summarize(wrapperMs);
  const alone = summarize(aloneMs);
  return [
    `${from} → ${to}`,
    formatInteger(source.length),
    formatInteger(wrapperOutput.length),
    formatMs(wrapper.mean),
    formatMs(wrapper.p50),
    formatMs(alone.mean),
    formatMs(alone.p50),
    wrapperOutput.equals(aloneOutput) ? 'yes' : 'no',
  ];
}

/** The same encoder settings as `encodeAs`, written against sharp directly (the inputs are opaque, so no flatten). */
function convertWithSharpAlone(bytes: Buffer, _from: OutputFormat, to: OutputFormat): Promise<Buffer> {
  switch (to) {
    case 'png':
      return sharp(bytes).png({ compressionLevel: PNG_COMPRESSION_LEVEL }).toBuffer();
    case 'webp':
      return sharp(bytes).webp({ quality: DEFAULT_LOSSY_QUALITY, effort: DEFAULT_WEBP_EFFORT }).toBuffer();
    case 'jpeg':
      return sharp(bytes).jpeg({ quality: DEFAULT_LOSSY_QUALITY, mozjpeg: false }).toBuffer();
  }
}

async function encodeSources(): Promise<Record<OutputFormat, Buffer>> {
  const pixels = drawPhotoLikePicture(EDGE, EDGE);
  const encode = (format: OutputFormat): Promise<Buffer> =>
    encodeAs(sharp(pixels, { raw: { width: EDGE, height: EDGE, channels: CHANNELS } }), format).toBuffer();
  const [png, jpeg, webp] = await Promise.all([encode('png'), encode('jpeg'), encode('webp')]);
  return { png, jpeg, webp };
}

/**
 * Raw RGB pixels that compress like a photo, not like a flat or synthetic image: sky and ground
 * gradients split by a wavy horizon, a soft sun, four octaves of value noise as texture, and
 * per-pixel grain.
 */
function drawPhotoLikePicture(width: number, height: number): Buffer {
  const random = mulberry32(PICTURE_SEED);
  const octaves = [
    { cell: 128, amplitude: 34 },
    { cell: 32, amplitude: 16 },
    { cell: 8, amplitude: 8 },
    { cell: 2, amplitude: 4 },
  ].map(({ cell, amplitude }) => ({ cell, amplitude, grid: valueGrid(random, Math.ceil(width / cell) + 2, Math.ceil(height / cell) + 2) }));
  const sun = { x: width * 0.72, y: height * 0.2, radius: width * 0.06 };
  const pixels = Buffer.alloc(width * height * CHANNELS);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const horizon = height * (0.55 + 0.05 * Math.sin(x / 97) + 0.025 * Math.sin(x / 23 + 1));
      let texture = 0;
      for (const octave of octaves) texture += octave.amplitude * sampleGrid(octave.grid, x / octave.cell, y / octave.cell);
      let red: number;
      let green: number;
      let blue: number;
      if (y < horizon) {
        const t = y / horizon;
        texture *= 0.35;
        [red, green, blue] = [90 + 110 * t, 140 + 85 * t, 225 + 20 * t];
      } else {
        const t = (y - horizon) / (height - horizon);
        [red, green, blue] = [70 + 70 * t, 115 - 35 * t, 45 + 20 * t];
      }
      const distance = Math.hypot(x - sun.x, y - sun.y) / sun.radius;
      const glow = 150 * Math.exp(-distance * distance);
      const grain = (random() + random() + random() - 1.5) * 6;
      const offset = (y * width + x) * CHANNELS;
      pixels[offset] = clampByte(red + texture + glow + grain);
      pixels[offset + 1] = clampByte(green + texture * 0.9 + glow * 0.9 + grain);
      pixels[offset + 2] = clampByte(blue + texture * 0.7 + glow * 0.5 + grain);
    }
  }
  return pixels;
}

interface ValueGrid {
  columns: number;
  values: Float32Array;
}

function valueGrid(random: () => number, columns: number, rows: number): ValueGrid {
  return { columns, values: Float32Array.from({ length: columns * rows }, () => random() * 2 - 1) };
}

/** Smoothly interpolated value noise in -1..1 at a point measured in grid cells. */
function sampleGrid(grid: ValueGrid, gx: number, gy: number): number {
  const column = Math.floor(gx);
  const row = Math.floor(gy);
  const smooth = (t: number): number => t * t * (3 - 2 * t);
  const fx = smooth(gx - column);
  const fy = smooth(gy - row);
  const at = (c: number, r: number): number => grid.values[r * grid.columns + c] ?? 0;
  const top = at(column, row) + (at(column + 1, row) - at(column, row)) * fx;
  const bottom = at(column, row + 1) + (at(column + 1, row + 1) - at(column, row + 1)) * fx;
  return top + (bottom - top) * fy;
}

function clampByte(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}

/** mulberry32: a tiny seeded PRNG, enough for reproducible noise. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
