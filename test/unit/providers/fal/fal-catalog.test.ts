import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../src/catalog/load-catalog.js';
import { FAL_MODEL_PROFILES } from '../../../../src/providers/fal/fal-model-profiles.js';

/** Every fal route of the built-in catalog, with the endpoints it may call. */
const falRoutes = loadCatalog()
  .all()
  .flatMap((model) =>
    model.routes
      .filter((route) => route.provider === 'fal')
      .map((route) => {
        const edit = typeof route.options['edit_model'] === 'string' ? route.options['edit_model'] : undefined;
        return { model, route, textEndpoint: route.model, editEndpoint: edit ?? route.model };
      }),
  );

describe('the fal routes of the catalog agree with the adapter profiles', () => {
  it('has routes to check', () => {
    expect(falRoutes.length).toBeGreaterThanOrEqual(7);
  });

  it.each(falRoutes.map((entry) => [entry.model.id, entry] as const))('%s', (_id, { model, textEndpoint, editEndpoint }) => {
    const text = FAL_MODEL_PROFILES[textEndpoint];
    const edit = FAL_MODEL_PROFILES[editEndpoint];
    expect(text, `no profile for ${textEndpoint}`).toBeDefined();
    expect(edit, `no profile for ${editEndpoint}`).toBeDefined();
    if (!text || !edit) return;
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
