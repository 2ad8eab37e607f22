import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/accounts/generation-repository.js';
import { noisyImage } from '../fixtures/images/make-test-images.js';
import { type Json, fetchBytes, writeOperatorConfig } from '../helpers/gateway-client.js';
import { type TestGateway, startTestGateway } from '../helpers/test-gateway.js';

/**
 * Every recipe of the README's quick start, run with the real `curl` binary exactly as written; only the host,
 * YOUR_API_KEY and the placeholder file path are replaced. Flags this suite appends (`-sS`,
 * `--write-out` to stderr) only observe: they change neither the request nor stdout.
 */

const execFileAsync = promisify(execFile);
const SPEC_HOST = 'http://localhost:3000';
const SPEC_KEY = 'YOUR_API_KEY';

/** Fields of the unified multipart recipe that its `...` variants keep (everything but the prompt). */
const UNIFIED_FIELDS = [
  '-F',
  'model=test/test',
  '-F',
  'quality=high',
  '-F',
  'size=1024x1024',
  '-F',
  'response_format=url',
  '-F',
  'output_format=webp',
];
const EDITS_COMMAND = [`${SPEC_HOST}/v1/openai/images/edits`, '-H', `Authorization: Bearer ${SPEC_KEY}`];

/** The recipes as argument vectors, copied from the README's quick start (quotes removed as the shell would). */
const RECIPES = {
  popularModels: ['-X', 'POST', `${SPEC_HOST}/operations/get-popular-models`],
  searchByName: [`${SPEC_HOST}/v1/models?type=image&sort=date&name=gemini`],
  allModels: [`${SPEC_HOST}/v1/models?type=image&sort=date&limit=1000`],
  textToImageJson: [
    `${SPEC_HOST}/v1/openai/images/generations`,
    '-H',
    `Authorization: Bearer ${SPEC_KEY}`,
    '--json',
    '{"prompt":"a serene mountain landscape at sunset","model":"test/test","quality":"auto",\n           "size":"auto","response_format":"url","output_format":"webp"}',
  ],
  unifiedMultipart: [
    `${SPEC_HOST}/v1/openai/images/edits`,
    '-H',
    `Authorization: Bearer ${SPEC_KEY}`,
    '-F',
    'prompt=a cyberpunk city at night',
    ...UNIFIED_FIELDS,
  ],
  imageToImage: [
    ...EDITS_COMMAND,
    ...UNIFIED_FIELDS,
    '-F',
    'prompt=transform this into a watercolor painting',
    '-F',
    'image[]=@/path/to/your/image.webp',
  ],
  severalImages: [
    ...EDITS_COMMAND,
    ...UNIFIED_FIELDS,
    '-F',
    'prompt=combine these images',
    '-F',
    'image[]=@image1.webp',
    '-F',
    'image[]=@image2.webp',
    '-F',
    'image[]=@image3.webp',
  ],
  withMask: [
    ...EDITS_COMMAND,
    ...UNIFIED_FIELDS,
    '-F',
    'prompt=fill the masked area with flowers',
    '-F',
    'image[]=@original.webp',
    '-F',
    'mask[]=@mask.webp',
  ],
  testImage: [
    `${SPEC_HOST}/v1/openai/images/generations`,
    '-H',
    `Authorization: Bearer ${SPEC_KEY}`,
    '--json',
    '{"prompt":"test image","model":"test/test"}',
  ],
};

/** The one recipe that needs a shell: a pipeline through jq and xargs. */
const PIPELINE_RECIPE = `curl '${SPEC_HOST}/v1/openai/images/generations' -H 'Authorization: Bearer ${SPEC_KEY}' \\
  --json '{"prompt":"abstract art","model":"test/test"}' | jq -r '.data[0].url' | xargs curl -o output.webp`;

/** A model whose id contains "gemini", so the search recipe has something to find. */
const GEMINI_FIXTURE = `
models:
  "testlab/gemini-fixture":
    release_date: "2026-01-15"
    pricing: { type: fixed, value: 0.04 }
    routes:
      - { provider: not-configured-here, model: gemini-upstream }
`;

let gateway: TestGateway;
let workDir: string;

async function findExecutable(name: string): Promise<string | undefined> {
  try {
    return (await execFileAsync('which', [name])).stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

const jqPath = await findExecutable('jq');
const jqMissingInCi = jqPath === undefined && process.env.CI === 'true';
if (jqPath === undefined && !jqMissingInCi) {
  console.warn(
    'jq is not installed: skipping the `| jq -r ... | xargs curl` recipe of the README quick start (CI=true makes this a failure).',
  );
}

beforeAll(async () => {
  const { stdout } = await execFileAsync('curl', ['--version']);
  const [major = 0, minor = 0] = (/^curl (\d+)\.(\d+)/.exec(stdout) ?? []).slice(1).map(Number);
  if (major < 7 || (major === 7 && minor < 82))
    throw new Error(`the README's recipes use curl --json, which needs curl >= 7.82; found: ${stdout.split('\n')[0]}`);

  workDir = await mkdtemp(path.join(os.tmpdir(), 'imagerouter-spec-recipes-'));
  gateway = await startTestGateway({ IMAGEROUTER_CONFIG: await writeOperatorConfig(workDir, GEMINI_FIXTURE) });

  const [width, height] = [512, 512];
  const picture = await noisyImage('webp', width, height);
  const mask = await transparentRectangleMask(width, height);
  const files: Record<string, Buffer> = {
    'image.webp': picture,
    'image1.webp': picture,
    'image2.webp': picture,
    'image3.webp': picture,
    'original.webp': picture,
    'mask.webp': await sharp(mask).webp({ lossless: true }).toBuffer(),
    'mask.png': mask,
  };
  await Promise.all(Object.entries(files).map(([name, bytes]) => writeFile(path.join(workDir, name), bytes)));
});

afterAll(async () => {
  await gateway?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Opaque everywhere except a transparent rectangle in the middle: the area to repaint. */
function transparentRectangleMask(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 4, 255);
  for (let y = height / 4; y < (3 * height) / 4; y += 1) {
    for (let x = width / 4; x < (3 * width) / 4; x += 1) pixels[(y * width + x) * 4 + 3] = 0;
  }
  return sharp(pixels, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

/** Replaces the SPEC's host, key and placeholder path in one argument. */
function onGateway(argument: string): string {
  return argument.replaceAll(SPEC_HOST, gateway.url).replaceAll(SPEC_KEY, gateway.key).replace('@/path/to/your/', `@${workDir}/`);
}

interface CurlResult {
  status: number;
  stdout: string;
  body: Json;
}

/** Runs `curl <recipe>` in the work dir; the status comes from --write-out on stderr. */
async function curl(recipe: string[]): Promise<CurlResult> {
  const args = [...recipe.map(onGateway), '-sS', '--write-out', '%{stderr}\nstatus=%{http_code}\n'];
  const { stdout, stderr } = await execFileAsync('curl', args, { cwd: workDir, maxBuffer: 64 * 1024 * 1024 });
  const status = Number(/status=(\d{3})/.exec(stderr)?.[1] ?? 0);
  let body: Json;
  try {
    body = JSON.parse(stdout);
  } catch {
    body = undefined;
  }
  return { status, stdout, body };
}

/** What every image recipe must return: the README's response, and a hosted 1024x1024 WebP. */
async function expectSpecImageResponse(result: CurlResult): Promise<void> {
  expect(result.status, result.stdout.slice(0, 500)).toBe(200);
  const body = result.body;
  expect(body.created).toBeGreaterThan(1e12);
  expect(Math.abs(body.created - Date.now())).toBeLessThan(60_000);
  expect(Number.isInteger(body.latency)).toBe(true);
  expect(body.latency).toBeGreaterThanOrEqual(0);
  expect(body.cost).toBe(0);
  expect(body.data).toHaveLength(1);
  const url = body.data[0].url as string;
  expect(url).toMatch(new RegExp(`^${gateway.url}/storage/[0-9a-f-]{36}\\.webp$`));
  const served = await fetchBytes(url);
  expect(served.status).toBe(200);
  expect(served.headers.get('content-type')).toBe('image/webp');
  const metadata = await sharp(served.bytes).metadata();
  expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 1024, 1024]);
}

const recordOf = (result: CurlResult) => getGeneration(gateway.context.database.db, String(result.body.id));

describe('README recipes with curl', () => {
  it('text to image, JSON endpoint', async () => {
    const result = await curl(RECIPES.textToImageJson);
    await expectSpecImageResponse(result);
    expect(await recordOf(result)).toMatchObject({
      prompt: 'a serene mountain landscape at sunset',
      quality: 'auto',
      size: 'auto',
      outputFormat: 'webp',
    });
  });

  it('unified endpoint, multipart text to image', async () => {
    const result = await curl(RECIPES.unifiedMultipart);
    await expectSpecImageResponse(result);
    expect(await recordOf(result)).toMatchObject({
      prompt: 'a cyberpunk city at night',
      quality: 'high',
      size: '1024x1024',
      inputImageCount: 0,
    });
  });

  it('image to image: one image[]', async () => {
    const result = await curl(RECIPES.imageToImage);
    await expectSpecImageResponse(result);
    expect(await recordOf(result)).toMatchObject({ inputImageCount: 1, hasMask: false });
  });

  it('several input images: three image[]', async () => {
    const result = await curl(RECIPES.severalImages);
    await expectSpecImageResponse(result);
    expect(await recordOf(result)).toMatchObject({ prompt: 'combine these images', inputImageCount: 3 });
  });

  it('with a mask: image[] and mask[] (a WebP mask, as written)', async () => {
    const result = await curl(RECIPES.withMask);
    await expectSpecImageResponse(result);
    expect(await recordOf(result)).toMatchObject({ inputImageCount: 1, hasMask: true });
  });

  it('with a mask: a PNG mask of the same size', async () => {
    const result = await curl(RECIPES.withMask.map((argument) => (argument === 'mask[]=@mask.webp' ? 'mask[]=@mask.png' : argument)));
    await expectSpecImageResponse(result);
    expect(await recordOf(result)).toMatchObject({ inputImageCount: 1, hasMask: true });
  });

  it('recipe: test image', async () => {
    await expectSpecImageResponse(await curl(RECIPES.testImage));
  });

  it.skipIf(jqPath === undefined && !jqMissingInCi)('recipe: | jq -r .data[0].url | xargs curl -o output.webp', async () => {
    if (jqPath === undefined)
      throw new Error(
        'jq is not installed, and CI=true requires it for this README recipe: install it in .ci/run (apt-get install -y jq).',
      );
    const script = `set -euo pipefail\n${PIPELINE_RECIPE.replaceAll(SPEC_HOST, gateway.url).replaceAll(SPEC_KEY, gateway.key)}\n`;
    await execFileAsync('bash', ['-c', script], { cwd: workDir });
    const bytes = await readFile(path.join(workDir, 'output.webp'));
    const metadata = await sharp(bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 1024, 1024]);
  });
});

describe('README model recipes with curl', () => {
  it('top 10 most popular models', async () => {
    const result = await curl(RECIPES.popularModels);
    expect(result.status).toBe(200);
    expect(Array.isArray(result.body)).toBe(true);
    expect(result.body.length).toBeGreaterThan(0);
    expect(result.body.length).toBeLessThanOrEqual(10);
    const ids = (result.body as Array<{ id: string }>).map((item) => item.id);
    expect(ids).toContain('test/test');
    // Earlier recipes generated with test/test: it leads the list.
    expect(result.body[0]).toMatchObject({ id: 'test/test', generations_7d: expect.any(Number) });
    expect(result.body[0].generations_7d).toBeGreaterThan(0);
  });

  it('search by name', async () => {
    const result = await curl(RECIPES.searchByName);
    expect(result.status).toBe(200);
    const ids = Object.keys(result.body);
    expect(ids).toContain('testlab/gemini-fixture');
    expect(ids).not.toContain('test/test');
    for (const id of ids)
      expect(`${id} ${result.body[id].name ?? ''} ${result.body[id].aliases.join(' ')}`.toLowerCase()).toContain('gemini');
  });

  it('all models', async () => {
    const result = await curl(RECIPES.allModels);
    expect(result.status).toBe(200);
    const entries = Object.entries(result.body) as Array<[string, { release_date: string; output: string[] }]>;
    expect(entries.map(([id]) => id)).toEqual(expect.arrayContaining(['test/test', 'testlab/gemini-fixture']));
    for (const [, entry] of entries) expect(entry.output).toContain('image');
    const dates = entries.map(([, entry]) => entry.release_date);
    expect(dates).toEqual([...dates].sort().reverse());
  });
});
