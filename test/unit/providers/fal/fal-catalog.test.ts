import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../src/catalog/load-catalog.js';
import { falProvider } from '../../../../src/providers/fal/fal-provider.js';

/** Every fal route of the built-in catalog, with the endpoints it may call as its options describe them. */
const falRoutes = loadCatalog()
  .all()
  .flatMap((model) =>
    model.routes
      .filter((route) => route.provider === 'fal')
      .map((route) => {
        const options = falProvider.routeOptions.parse(route.options);
        const edit = options.edit ?? { model: route.model, profile: options.profile };
        return { model, route, textEndpoint: route.model, editEndpoint: edit.model, text: options.profile, edit: edit.profile };
      }),
  );

describe('the fal routes of the catalog agree with the capabilities they promise', () => {
  it('has routes to check', () => {
    expect(falRoutes.length).toBeGreaterThanOrEqual(7);
  });

  it.each(falRoutes.map((entry) => [entry.model.id, entry] as const))('%s', (_id, { model, textEndpoint, editEndpoint, text, edit }) => {
    const { capabilities } = model;
    // Parameters the catalog promises reach the upstream on both kinds of request.
    for (const parameter of capabilities.parameters) {
      expect(text.parameters, `${textEndpoint} drops ${parameter}`).toContain(parameter);
      if (capabilities.edit) expect(edit.parameters, `${editEndpoint} drops ${parameter}`).toContain(parameter);
    }
    if (capabilities.edit) {
      expect(edit.imageInput).not.toBe('none');
      expect(edit.maxInputImages).toBeGreaterThanOrEqual(capabilities.max_input_images);
    }
    if (capabilities.qualities.some((quality) => quality !== 'auto')) expect(text.steps).toBeDefined();
  });
});
