import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { loadCatalog } from '../../../src/catalog/load-catalog.js';
import type { Catalog } from '../../../src/catalog/catalog.js';
import type { ModelAvailability } from '../../../src/catalog/resolved-model.js';

export { thrownBy } from '../../helpers/caught-error.js';

const SHIPPED_TEST_MODELS = path.resolve(import.meta.dirname, '../../../src/catalog/models/test.yaml');
const directories: string[] = [];

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A temp folder holding the given files (name → YAML text); removed after the test. */
export function writeFiles(files: Record<string, string>): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'catalog-'));
  directories.push(directory);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(directory, name), text);
  return directory;
}

/** A models folder with the given files plus the shipped `test.yaml`. */
export function modelsDir(files: Record<string, string>, options: { withTestModel?: boolean } = {}): string {
  const directory = writeFiles(files);
  if (options.withTestModel ?? true) copyFileSync(SHIPPED_TEST_MODELS, path.join(directory, 'test.yaml'));
  return directory;
}

/**
 * A small but varied catalog: fixed, table, upstream and unpriced routes, an alias, a video
 * model, a retired model, a curated rank. `a.yaml` sorts before the shipped `test.yaml`.
 */
export const FIXTURE_MODELS = `
models:
  - id: acme/alpha
    name: Alpha
    aliases: [alpha, acme/alpha-latest]
    release_date: "2025-01-10"
    capabilities: { edit: true, max_input_images: 4, qualities: [auto, high], sizes: [auto, 1024x1024] }
    pricing: { type: fixed, value: 0.04 }
    routes:
      - { provider: fal, model: fal-ai/alpha }
  - id: acme/beta
    release_date: "2025-06-01"
    popularity_rank: 1
    routes:
      - provider: runware
        model: "runware:beta@1"
        pricing: { type: table, rows: [{ size: 1024x1024, value: 0.01 }, { value: 0.03 }] }
  - id: zeta/free
    release_date: "2024-03-03"
    capabilities: { sizes: [auto] }
    routes:
      - { provider: runware, model: zeta, pricing: { type: fixed, value: 0 } }
  - id: vid/clip
    release_date: "2025-03-03"
    output: [video]
    routes:
      - { provider: fal, model: fal-ai/clip, pricing: { type: upstream, estimate: 0.5, min: 0.2 } }
  - id: old/gone
    release_date: "2023-01-01"
    status: retired
    retired_message: "old/gone was replaced by 'acme/alpha'."
    pricing: { type: fixed, value: 0.02 }
    routes:
      - { provider: fal, model: gone }
  - id: nop/unpriced
    release_date: "2025-02-02"
    routes:
      - { provider: deepinfra, model: unpriced }
`;

export function fixtureCatalog(): Catalog {
  return loadCatalog({ builtinDir: modelsDir({ 'a.yaml': FIXTURE_MODELS }) });
}

/** `fal` and `test` configured; `runware` and `deepinfra` not. */
export const availability: ModelAvailability = (model) =>
  model.routes.some((route) => route.provider === 'fal' || route.provider === 'test');
