import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAppContext } from '../../../src/app-context.js';
import { bindRouteOptions } from '../../../src/catalog/bind-route-options.js';
import { CatalogError } from '../../../src/catalog/catalog-error.js';
import { loadCatalog } from '../../../src/catalog/load-catalog.js';
import { loadAppConfig } from '../../../src/config/app-config.js';
import { createBuiltInAdapters } from '../../../src/providers/built-in-providers.js';
import { ProviderConfigError, resolveProviderInstances } from '../../../src/providers/provider-instances.js';
import { createProviderRegistry } from '../../../src/providers/registry.js';
import { thrownBy, writeFiles } from './catalog-fixture.js';

/** The catalog as `serve` binds it: built-in models, the operator file, route options parsed by their adapters. */
function bootCatalog(configYaml: string) {
  const configFile = path.join(writeFiles({ 'config.yaml': configYaml }), 'config.yaml');
  const catalog = loadCatalog({ configFile });
  const instances = resolveProviderInstances({}, catalog.config.providers, configFile);
  return bindRouteOptions(catalog, createProviderRegistry(createBuiltInAdapters(), instances));
}

describe('route options are parsed by their adapter at boot', () => {
  it('stops the boot on a bad option in the operator file, naming the file, model, route and option', () => {
    const error = thrownBy(() =>
      bootCatalog(['models:', '  "test/test":', '    routes: [{provider: test, model: test/test, options: {colour: red}}]', ''].join('\n')),
    );
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).message).toMatch(
      /config\.yaml: model 'test\/test', route test \(test\/test\): options\.colour: unknown field/,
    );
  });

  it('names the model, the route and the option of a bad adapter option, every one at once', () => {
    const yaml = [
      'models:',
      '  "black-forest-labs/FLUX-1.1-pro":',
      '    routes:',
      '      - provider: bfl',
      '        model: flux-pro-1.1',
      '        options: {title: "FLUX1.1 [pro]", size: {kind: pixels, multiple: 0, min: 256, max: 1440}, prompt_required: false, safety_tolerance_max: 6, prompt_upsampling: prompt_upsampling}',
      '  "acme/new-flux":',
      '    release_date: "2026-01-01"',
      '    pricing: {type: fixed, value: 0.04}',
      '    routes: [{provider: bfl, model: flux-3, options: {poll_interval_ms: 10}}]',
      '',
    ].join('\n');
    const message = (thrownBy(() => bootCatalog(yaml)) as Error).message;
    expect(message).toContain(
      "model 'black-forest-labs/FLUX-1.1-pro', route bfl (flux-pro-1.1): options.size.multiple: Too small: expected number to be >0",
    );
    expect(message).toContain("model 'acme/new-flux', route bfl (flux-3): options.title: required (string)");
    expect(message).toContain("model 'acme/new-flux', route bfl (flux-3): options.size: required (object)");
  });

  it('checks routes of named instances with their type, configured or not', () => {
    const yaml = [
      'providers:',
      '  local-renderer: {type: test}',
      'models:',
      '  "test/test":',
      '    routes: [{provider: local-renderer, model: test/test, options: {speed: 2}}]',
      '',
    ].join('\n');
    expect((thrownBy(() => bootCatalog(yaml)) as Error).message).toContain(
      'route local-renderer (test/test): options.speed: unknown field',
    );
  });

  it('leaves routes to unknown instances alone (they are never called, and listed as unavailable)', () => {
    const catalog = bootCatalog(
      [
        'models:',
        '  "acme/elsewhere":',
        '    release_date: "2026-01-01"',
        '    pricing: {type: fixed, value: 0.01}',
        '    routes: [{provider: nowhere, model: x, options: {anything: 1}}]',
        '',
      ].join('\n'),
    );
    expect(catalog.get('acme/elsewhere')?.routes[0]?.options).toEqual({ anything: 1 });
  });

  it('stops createAppContext before the database is opened', async () => {
    const dataDir = writeFiles({});
    const configFile = path.join(
      writeFiles({ 'config.yaml': 'models:\n  "test/test":\n    routes: [{provider: test, model: test/test, options: {colour: red}}]\n' }),
      'config.yaml',
    );
    const config = loadAppConfig({ IMAGEROUTER_DATA_DIR: dataDir, IMAGEROUTER_CONFIG: configFile, LOG_LEVEL: 'silent' });
    const error: unknown = await createAppContext(config, { env: {} }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as Error).message).toContain("model 'test/test', route test (test/test): options.colour: unknown field");
  });
});

describe('instance settings are parsed by their provider at boot', () => {
  it('names the file, the instance and the setting', () => {
    const error = thrownBy(() => resolveProviderInstances({}, { 'bfl-eu': { type: 'bfl', settings: { max_retries: -1 } } }, 'ops.yaml'));
    expect(error).toBeInstanceOf(ProviderConfigError);
    expect((error as Error).message).toMatch(/^ops\.yaml: providers\.bfl-eu: settings\.max_retries: /);
  });
});
