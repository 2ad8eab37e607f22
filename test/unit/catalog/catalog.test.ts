import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { CatalogError } from '../../../src/catalog/catalog-error.js';
import { fixtureCatalog, thrownBy } from './catalog-fixture.js';

describe('Catalog', () => {
  it('finds a model by id or alias and reports the canonical id', () => {
    const catalog = fixtureCatalog();
    expect(catalog.get('acme/alpha')?.id).toBe('acme/alpha');
    expect(catalog.get('alpha')?.id).toBe('acme/alpha');
    expect(catalog.get('acme/alpha-latest')?.id).toBe('acme/alpha');
    expect(catalog.resolvedId('alpha')).toBe('acme/alpha');
    expect(catalog.resolvedId('acme/beta')).toBe('acme/beta');
    expect(catalog.resolvedId('nope/x')).toBeUndefined();
  });

  it('treats ids as case-sensitive, as the public service does', () => {
    const catalog = fixtureCatalog();
    expect(catalog.get('ACME/alpha')).toBeUndefined();
    expect(catalog.get('Alpha')).toBeUndefined();
  });

  it('lists every model in file order (files by name), retired ones included', () => {
    expect(
      fixtureCatalog()
        .all()
        .map((model) => model.id),
    ).toEqual(['acme/alpha', 'acme/beta', 'zeta/free', 'vid/clip', 'old/gone', 'nop/unpriced', 'test/test']);
  });

  it('hands out frozen models, so no request can change the catalog for the next', () => {
    const model = fixtureCatalog().get('acme/alpha');
    expect(Object.isFrozen(model)).toBe(true);
    expect(Object.isFrozen(model?.routes[0])).toBe(true);
    expect(Object.isFrozen(model?.capabilities.qualities)).toBe(true);
  });

  it('refuses duplicate ids when built by hand', () => {
    const model = fixtureCatalog().get('acme/alpha');
    if (model === undefined) throw new Error('fixture model missing');
    expect(thrownBy(() => new Catalog([model, model]))).toBeInstanceOf(CatalogError);
  });
});
