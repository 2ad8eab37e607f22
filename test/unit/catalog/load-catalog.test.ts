import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogError } from '../../../src/catalog/catalog-error.js';
import { buildModels, defaultModelsDir, loadCatalog } from '../../../src/catalog/load-catalog.js';
import { modelsDir, thrownBy, writeFiles } from './catalog-fixture.js';

/** The one-line message of the CatalogError a load throws. */
function loadError(options: Parameters<typeof loadCatalog>[0]): string {
  const error = thrownBy(() => loadCatalog(options));
  expect(error).toBeInstanceOf(CatalogError);
  return (error as CatalogError).message;
}

const model = (fields: string): string => `
models:
  - id: acme/one
    release_date: "2025-01-01"
${fields}`;

describe('loadCatalog: built-in files', () => {
  it('loads the shipped test/test model from the default folder', () => {
    expect(defaultModelsDir()).toBe(path.resolve(import.meta.dirname, '../../../src/catalog/models'));
    const testModel = loadCatalog().get('test/test');
    expect(testModel).toMatchObject({
      id: 'test/test',
      release_date: '2025-05-04',
      output: ['image'],
      self_test: true,
      capabilities: {
        edit: true,
        mask: true,
        max_input_images: 16,
        qualities: ['auto', 'low', 'medium', 'high'],
        max_n: 10,
        parameters: [],
      },
      pricingMicros: { type: 'fixed', valueMicros: 0 },
      routes: [{ provider: 'test', model: 'test/test', priced: true, pricingMicros: { type: 'fixed', valueMicros: 0 } }],
    });
    expect(testModel?.capabilities.sizes).toBeUndefined();
    expect(testModel?.capabilities.size_range).toEqual({ min: 64, max: 4096 });
  });

  it('converts USD to integer micro-USD once, rounding float noise away', () => {
    const directory = modelsDir(
      {
        'a.yaml': model(
          '    pricing: { type: fixed, value: 0.07 }\n    routes: [{ provider: fal, model: one }, { provider: x, model: y, pricing: { type: fixed, value: 0.0042 } }]',
        ),
      },
      { withTestModel: false },
    );
    const routes = loadCatalog({ builtinDir: directory }).get('acme/one')?.routes;
    expect(routes?.map((route) => (route.priced ? route.pricingMicros : undefined))).toEqual([
      { type: 'fixed', valueMicros: 70_000 },
      { type: 'fixed', valueMicros: 4_200 },
    ]);
  });

  it('flags a route without any price as unpriced, never $0', () => {
    const directory = modelsDir({ 'a.yaml': model('    routes: [{ provider: fal, model: one }]') }, { withTestModel: false });
    expect(loadCatalog({ builtinDir: directory }).get('acme/one')?.routes[0]).toMatchObject({ provider: 'fal', priced: false });
  });

  it('names the file and the field of a value of the wrong type', () => {
    const directory = modelsDir({
      'a.yaml': model('    routes: [{ provider: fal, model: one, pricing: { type: fixed, value: "0.01" } }]'),
    });
    expect(loadError({ builtinDir: directory })).toBe(
      `${path.join(directory, 'a.yaml')}: models[0].routes[0].pricing.value: expected number, received string`,
    );
  });

  it('names a missing route provider', () => {
    const directory = modelsDir({ 'a.yaml': model('    routes: [{ model: one }]') });
    expect(loadError({ builtinDir: directory })).toContain('a.yaml: models[0].routes[0].provider: required');
  });

  it('refuses a date that is not on the calendar', () => {
    const directory = modelsDir({
      'a.yaml':
        'models:\n  - { id: acme/one, release_date: "2025-13-01" }\n  - { id: acme/two, release_date: "2025-02-30" }\n  - { id: acme/three, release_date: 2025-1-1 }\n',
    });
    const message = loadError({ builtinDir: directory });
    expect(message).toContain('a.yaml: models[0].release_date: is not a calendar date');
    expect(message).toContain('a.yaml: models[1].release_date: is not a calendar date');
    expect(message).toContain('a.yaml: models[2].release_date: must be YYYY-MM-DD');
    expect(message.split('\n')).toHaveLength(3);
  });

  it('refuses unknown fields, so a typo cannot drop a price silently', () => {
    const directory = modelsDir({ 'a.yaml': model('    prcing: { type: fixed, value: 1 }') });
    expect(loadError({ builtinDir: directory })).toContain('a.yaml: models[0].prcing: unknown field');
  });

  it('refuses inconsistent capabilities and price hints', () => {
    const directory = modelsDir({
      'a.yaml': model('    capabilities: { edit: true }\n    pricing: { type: upstream, estimate: 0.01, min: 0.02 }'),
    });
    const message = loadError({ builtinDir: directory });
    expect(message).toContain('models[0].capabilities.max_input_images: must be at least 1 when edit is true');
    expect(message).toContain('models[0].pricing.average: must satisfy min <= average <= estimate');
  });

  it('names the file of a YAML syntax error and still reports the other files', () => {
    const directory = modelsDir({ 'a.yaml': 'models: [\n', 'b.yaml': model('    output: [audio]') });
    const message = loadError({ builtinDir: directory });
    expect(message).toContain(`${path.join(directory, 'a.yaml')}: invalid YAML`);
    expect(message).toContain(`${path.join(directory, 'b.yaml')}: models[0].output[0]:`);
  });

  it('names both files of a duplicate id', () => {
    const directory = modelsDir({ 'a.yaml': model(''), 'b.yaml': model('') });
    expect(loadError({ builtinDir: directory })).toBe(
      `${path.join(directory, 'b.yaml')}: models[0].id: duplicate id 'acme/one', already defined at ${path.join(directory, 'a.yaml')}: models[0]`,
    );
  });

  it('names both files when an alias collides with an id or another alias', () => {
    const directory = modelsDir({
      'a.yaml': model('    aliases: [one]'),
      'b.yaml': 'models:\n  - { id: acme/two, release_date: "2025-01-01", aliases: [one, test/test] }\n',
    });
    const message = loadError({ builtinDir: directory });
    expect(message).toContain(
      `${path.join(directory, 'b.yaml')}: models[0].aliases: alias 'one' is also an alias of 'acme/one' at ${path.join(directory, 'a.yaml')}: models[0]`,
    );
    expect(message).toContain(`alias 'test/test' collides with the model id defined at ${path.join(directory, 'test.yaml')}: models[0]`);
  });

  it('reports a missing models folder', () => {
    expect(loadError({ builtinDir: '/nonexistent/models' })).toContain('/nonexistent/models: cannot read the models folder');
  });
});

describe('loadCatalog: operator config file', () => {
  const builtin = (): string => modelsDir({});
  const config = (text: string): string => path.join(writeFiles({ 'config.yaml': text }), 'config.yaml');

  it('overrides test/test pricing: $0.01 becomes 10000 micro-USD on its route', () => {
    const catalog = loadCatalog({
      builtinDir: builtin(),
      configFile: config('models:\n  "test/test": { pricing: { type: fixed, value: 0.01 } }\n'),
    });
    const testModel = catalog.get('test/test');
    expect(testModel?.pricingMicros).toEqual({ type: 'fixed', valueMicros: 10_000 });
    expect(testModel?.routes[0]).toMatchObject({ priced: true, pricingMicros: { type: 'fixed', valueMicros: 10_000 } });
    expect(testModel?.source).toMatch(/config\.yaml$/);
  });

  it('deep-merges objects and replaces arrays', () => {
    const catalog = loadCatalog({
      builtinDir: builtin(),
      configFile: config('models:\n  test/test:\n    aliases: [mine]\n    capabilities: { max_n: 2, qualities: [auto] }\n'),
    });
    const testModel = catalog.get('mine');
    expect(testModel?.capabilities).toMatchObject({ edit: true, mask: true, max_input_images: 16, max_n: 2, qualities: ['auto'] });
    expect(testModel?.routes).toHaveLength(1);
  });

  it('replaces a pricing object whose type changes instead of mixing two kinds', () => {
    const directory = modelsDir({
      'a.yaml': model('    pricing: { type: table, rows: [{ value: 0.02 }] }\n    routes: [{ provider: fal, model: one }]'),
    });
    const catalog = loadCatalog({
      builtinDir: directory,
      configFile: config('models:\n  acme/one: { pricing: { type: fixed, value: 0.5 } }\n'),
    });
    expect(catalog.get('acme/one')?.pricingMicros).toEqual({ type: 'fixed', valueMicros: 500_000 });
  });

  it('adds a new, complete model after the built-in ones', () => {
    const catalog = loadCatalog({
      builtinDir: builtin(),
      configFile: config(
        'models:\n  local/sdxl:\n    release_date: "2024-01-01"\n    pricing: { type: fixed, value: 0.002 }\n    routes: [{ provider: openai-compatible, model: sdxl }]\n',
      ),
    });
    expect(catalog.all().map((entry) => entry.id)).toEqual(['test/test', 'local/sdxl']);
    expect(catalog.get('local/sdxl')?.routes[0]).toMatchObject({ priced: true, pricingMicros: { valueMicros: 2_000 } });
  });

  it('validates a new model with the full schema, naming the config path', () => {
    const message = loadError({ builtinDir: builtin(), configFile: config('models:\n  local/sdxl: { routes: [] }\n') });
    expect(message).toMatch(/config\.yaml: models\["local\/sdxl"\]\.release_date: required/);
  });

  it('names the field of a bad override', () => {
    const message = loadError({
      builtinDir: builtin(),
      configFile: config('models:\n  "test/test": { pricing: { type: fixed, value: "cheap" } }\n'),
    });
    expect(message).toMatch(/config\.yaml: models\["test\/test"\]\.pricing\.value: expected number, received string$/);
  });

  it('refuses an unknown top-level key, naming it', () => {
    const message = loadError({ builtinDir: builtin(), configFile: config('provders: {}\n') });
    expect(message).toMatch(/config\.yaml: provders: unknown top-level key \(allowed: models, providers, routing\)$/);
  });

  it('exposes the other sections raw, unvalidated', () => {
    const file = config('providers:\n  openai: { api_key_env: OPENAI_API_KEY }\nrouting: { strategy: priority }\n');
    const catalog = loadCatalog({ builtinDir: builtin(), configFile: file });
    expect(catalog.config).toEqual({ file, providers: { openai: { api_key_env: 'OPENAI_API_KEY' } }, routing: { strategy: 'priority' } });
  });

  it('refuses overriding by alias, renaming, and a models list instead of a map', () => {
    const withAlias = modelsDir({ 'a.yaml': model('    aliases: [one]') });
    expect(loadError({ builtinDir: withAlias, configFile: config('models:\n  one: { name: One }\n') })).toContain(
      `models.one: is an alias of 'acme/one'; override the model by its id`,
    );
    expect(loadError({ builtinDir: builtin(), configFile: config('models:\n  test/test: { id: test/other }\n') })).toContain(
      'models["test/test"].id: must equal the key',
    );
    expect(loadError({ builtinDir: builtin(), configFile: config('models:\n  - id: test/test\n') })).toContain(
      'config.yaml: models: must be a map from model id to model fields',
    );
  });

  it('accepts an empty config file and reports a missing one', () => {
    expect(loadCatalog({ builtinDir: builtin(), configFile: config('') }).all()).toHaveLength(1);
    expect(loadError({ builtinDir: builtin(), configFile: '/nonexistent/imagerouter.yaml' })).toContain(
      '/nonexistent/imagerouter.yaml: cannot read the file',
    );
  });
});

describe('loadCatalog: the built copy of the model files', () => {
  it('builds every shipped file, and loads the same catalog from the build as from the YAML', () => {
    const built = buildModels();
    const shipped = readdirSync(defaultModelsDir()).filter((name) => name.endsWith('.yaml'));
    expect(Object.keys(built.files).sort()).toEqual(shipped.sort());
    const fromBuild = loadCatalog({ builtinDir: defaultModelsDir(), builtModels: built, clock: () => 0 });
    const fromYaml = loadCatalog({ builtinDir: defaultModelsDir(), clock: () => 0 });
    expect(fromBuild.all()).toEqual(fromYaml.all());
  });

  it('uses a file’s built data only while its text is the one it was built from', () => {
    const directory = modelsDir({
      'a.yaml': model('    pricing: { type: fixed, value: 0.07 }\n    routes: [{ provider: fal, model: one }]'),
    });
    const built = buildModels(directory);
    // The build is trusted for an unchanged file: its (here altered) data is what loads.
    const altered = structuredClone(built);
    (altered.files['a.yaml']!.data as { models: Array<{ id: string }> }).models[0]!.id = 'acme/from-build';
    const catalog = loadCatalog({ builtinDir: directory, builtModels: altered });
    expect(catalog.get('acme/from-build')).toBeDefined();
    expect(catalog.get('acme/one')).toBeUndefined();
    // Edited after the build: parsed from the YAML again.
    writeFileSync(
      path.join(directory, 'a.yaml'),
      model('    pricing: { type: fixed, value: 0.08 }\n    routes: [{ provider: fal, model: one }]'),
    );
    const edited = loadCatalog({ builtinDir: directory, builtModels: altered });
    expect(edited.get('acme/from-build')).toBeUndefined();
    expect(edited.get('acme/one')?.pricingMicros).toEqual({ type: 'fixed', valueMicros: 80_000 });
  });

  it('leaves a broken file out of the build, so loading it reports its problem as usual', () => {
    const directory = modelsDir({ 'a.yaml': 'models: [' });
    const built = buildModels(directory);
    expect(built.files['a.yaml']).toBeUndefined();
    expect(loadError({ builtinDir: directory, builtModels: built })).toContain('a.yaml');
  });
});
