import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../src/catalog/load-catalog.js';
import { OPENAI_PARAMETER_NAMES } from '../../../../src/providers/replicate/replicate-input-parameters.js';
import { imagesPerPrediction } from '../../../../src/providers/replicate/replicate-request.js';
import { replicateProvider } from '../../../../src/providers/replicate/replicate-provider.js';

/**
 * The built-in catalog must not promise what the Replicate route cannot send. Models served by
 * Replicate alone are checked in full; models shared with other providers only need a profile
 * (their extra parameters may be another route's, and the adapter warns when it drops them).
 */
const catalog = loadCatalog();
const replicateModels = catalog.all().filter((model) => model.routes.some((route) => route.provider === 'replicate'));

describe('catalog models routed to Replicate', () => {
  it('exist', () => {
    expect(replicateModels.map((model) => model.id)).toEqual(
      expect.arrayContaining(['stabilityai/sdxl', 'stabilityai/sd3.5', 'luma/photon', 'luma/photon-flash']),
    );
  });

  describe.each(replicateModels.map((model) => [model.id, model] as const))('%s', (_id, model) => {
    const routes = model.routes.filter((route) => route.provider === 'replicate');
    const onlyReplicate = routes.length === model.routes.length;

    it.each(routes.map((route) => [route.model, route] as const))(
      'route %s has a profile that honours the capabilities',
      (_model, route) => {
        const { profile } = replicateProvider.routeOptions.parse(route.options);
        const { capabilities } = model;
        if (capabilities.edit) expect(profile.image, 'edit needs an image input').toBeDefined();
        if (capabilities.mask) expect(profile.mask, 'mask needs a mask input').toBeDefined();
        if (!onlyReplicate) return;
        expect(capabilities.max_input_images).toBeLessThanOrEqual(profile.image ? 1 : 0);
        if (capabilities.qualities.some((quality) => quality !== 'auto'))
          expect(profile.steps, 'qualities need a steps input').toBeDefined();
        for (const parameter of capabilities.parameters) {
          expect(Object.keys(profile.parameters), `parameter '${parameter}'`).toContain(OPENAI_PARAMETER_NAMES[parameter] ?? parameter);
        }
        // More images than one prediction yields is fine (the gateway fans out); fewer would waste a count input.
        expect(capabilities.max_n).toBeGreaterThanOrEqual(Math.min(imagesPerPrediction(profile), 4));
      },
    );
  });
});
