import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageSize } from '../../../../src/domain/image-request.js';
import { loadCatalog } from '../../../../src/catalog/load-catalog.js';
import { geminiProvider } from '../../../../src/providers/gemini/gemini-provider.js';
import { imagenProvider } from '../../../../src/providers/imagen/imagen-provider.js';
import type { FakeUpstream } from '../../../fakes/fake-upstream.js';
import { startGeminiFake } from '../../../fakes/gemini-fake.js';
import { startImagenFake } from '../../../fakes/imagen-fake.js';
import { yamlOptions } from '../../../helpers/catalog-route-options.js';
import { geminiCall, imagenCall } from './gemini-call.js';

/**
 * The catalog's Google routes (google.yaml) against the fakes: every route's options parse, and the
 * requests they produce are ones Google accepts (ratios, tiers, fields per model), so a YAML edit
 * cannot ship a route that only fails in production.
 */
const KEY = 'AIza-catalog-routes-key-0123456789';
const routes = loadCatalog()
  .all()
  .filter((model) => model.id.startsWith('google/'))
  .flatMap((model) => model.routes.map((route) => ({ model, route })));

const fakes: Record<string, FakeUpstream> = {};
const adapters = { gemini: geminiProvider.createAdapter(), imagen: imagenProvider.createAdapter() };

beforeAll(async () => {
  fakes['gemini'] = await startGeminiFake({ apiKey: KEY });
  fakes['imagen'] = await startImagenFake({ apiKey: KEY });
});
afterAll(async () => {
  await Promise.all(Object.values(fakes).map((fake) => fake.close()));
});

describe('google.yaml routes', () => {
  it('lists the Google routes, all on the gemini or imagen provider', () => {
    expect(routes.length).toBeGreaterThanOrEqual(8);
    for (const { route } of routes) expect(['gemini', 'imagen']).toContain(route.provider);
  });

  it.each(routes.map(({ model, route }) => [model.id, route.model, model, route] as const))(
    '%s → %s: accepted by the fake at auto, the smallest and a wide size',
    async (_id, _upstream, model, route) => {
      const fake = fakes[route.provider]!;
      const min = model.capabilities.size_range.min;
      const sizes: Array<ImageSize | 'auto'> = ['auto', { width: min, height: min }, { width: 1000, height: 600 }];
      for (const size of sizes) {
        const args = [
          route.model,
          { size },
          { options: yamlOptions(route), endpoint: { instance: route.provider, baseUrl: fake.baseUrl, apiKey: KEY } },
        ] as const;
        const result =
          route.provider === 'gemini'
            ? await adapters.gemini.generate(geminiCall(...args))
            : await adapters.imagen.generate(imagenCall(...args));
        expect(result.images).toHaveLength(1);
      }
    },
  );
});
