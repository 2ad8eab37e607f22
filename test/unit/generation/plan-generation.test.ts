import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../src/catalog/load-catalog.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { planGeneration, type GenerationPlan } from '../../../src/generation/plan-generation.js';
import { modelsDir } from '../catalog/catalog-fixture.js';

/**
 * Multipart forms carry every field as text, JSON carries typed values: after parsing, both must
 * give adapters the same `ImageRequest`, numbers and booleans included.
 */

const MODEL = `
models:
  - id: acme/typed
    release_date: "2025-01-01"
    capabilities:
      max_n: 4
      parameters: [seed, output_compression, guidance_scale, steps, safety_tolerance, prompt_upsampling, raw, negative_prompt, megapixels, style, user]
    pricing: { type: fixed, value: 0.01 }
    routes: [{ provider: fal, model: acme-typed }]
`;

async function parse(fields: Record<string, unknown>): Promise<GenerationPlan> {
  const catalog = loadCatalog({ builtinDir: modelsDir({ 'typed.yaml': MODEL }) });
  return planGeneration(catalog, { fields: { model: 'acme/typed', prompt: 'a red kite', ...fields }, images: [], masks: [] });
}

async function rejection(fields: Record<string, unknown>): Promise<ApiError> {
  const error = await parse(fields).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('planGeneration: numbers and booleans from multipart text', () => {
  it('turns decimal text into numbers and true/false text into booleans', async () => {
    const { request, warnings } = await parse({
      n: '2',
      seed: '42',
      output_compression: '80',
      guidance_scale: '7.5',
      steps: ' 28 ',
      safety_tolerance: '-1',
      prompt_upsampling: 'true',
      raw: 'false',
    });
    expect(request.n).toBe(2);
    expect(request.extra).toEqual({
      seed: 42,
      output_compression: 80,
      guidance_scale: 7.5,
      steps: 28,
      safety_tolerance: -1,
      prompt_upsampling: true,
      raw: false,
    });
    expect(warnings).toEqual([]);
  });

  it('leaves text parameters as text, even when they look like numbers', async () => {
    const { request } = await parse({
      prompt: '42',
      size: '1024x1024',
      negative_prompt: '7',
      megapixels: '0.25',
      style: 'true',
      user: '1001',
    });
    expect(request.prompt).toBe('42');
    expect(request.size).toEqual({ width: 1024, height: 1024 });
    // Strict: no typed parameter the client left out may appear, not even as `undefined`.
    expect(request.extra).toStrictEqual({ negative_prompt: '7', megapixels: '0.25', style: 'true', user: '1001' });
  });

  it('gives a JSON body the same values: numbers and booleans as they are, numeric text coerced', async () => {
    const json = await parse({ n: 2, seed: 42, output_compression: 80, guidance_scale: 7.5, prompt_upsampling: true });
    const text = await parse({ n: '2', seed: '42', output_compression: '80', guidance_scale: '7.5', prompt_upsampling: 'true' });
    expect(json.request).toEqual(text.request);
    expect(json.request.extra).toEqual({ seed: 42, output_compression: 80, guidance_scale: 7.5, prompt_upsampling: true });
  });

  it('reads the True/False that Python form encoders write', async () => {
    expect((await parse({ prompt_upsampling: 'True', raw: 'FALSE' })).request.extra).toStrictEqual({ prompt_upsampling: true, raw: false });
  });

  it('still drops a null parameter, as JSON clients send for "not set"', async () => {
    expect((await parse({ seed: null, raw: null })).request.extra).toStrictEqual({});
  });

  it('leaves integer and range checks to the provider: a fractional seed is still a number', async () => {
    expect((await parse({ seed: '4.5' })).request.extra).toEqual({ seed: 4.5 });
  });

  it.each([
    ['seed', 'abc'],
    ['seed', ''],
    ['seed', '1e3'],
    ['seed', '0x10'],
    ['seed', 'Infinity'],
    ['seed', true],
    ['output_compression', 'eighty'],
    ['guidance_scale', '7,5'],
  ])("answers 400 naming '%s' for %j", async (param, value) => {
    const error = await rejection({ [param]: value });
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.message).toContain(`'${param}' must be a number`);
  });

  it.each([
    ['prompt_upsampling', 'yes'],
    ['raw', '1'],
    ['raw', 0],
  ])("answers 400 naming '%s' for the non-boolean %j", async (param, value) => {
    const error = await rejection({ [param]: value });
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.message).toContain(`'${param}' must be true or false`);
  });

  it('refuses a malformed number even for a model that would not take it', async () => {
    const catalog = loadCatalog();
    expect(() => planGeneration(catalog, { fields: { model: 'test/test', prompt: 'x', seed: 'abc' }, images: [], masks: [] })).toThrow(
      ApiError,
    );
    let error: unknown;
    try {
      planGeneration(catalog, { fields: { model: 'test/test', prompt: 'x', seed: 'abc' }, images: [], masks: [] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ status: 400, param: 'seed' });
  });
});
