import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog } from './catalog.js';
import { CatalogError, type CatalogProblem } from './catalog-error.js';
import { mergeModelOverride } from './merge-model-override.js';
import { modelFileSchema, modelSchema, type Model } from './model-schema.js';
import { isPlainObject, readOperatorConfig, type OperatorConfig } from './operator-config.js';
import { builtDataFor, readBuiltModels, sha256Of, type BuiltModels } from './built-models.js';
import { displayPath, parseYamlText, readTextFile } from './read-yaml-file.js';
import { resolveModel } from './resolved-model.js';
import { formatPath, schemaProblems } from './schema-problems.js';

export interface LoadCatalogOptions {
  /** Folder of built-in `*.yaml` model files; default: `src/catalog/models` of this package. */
  builtinDir?: string;
  /** The operator config file (`AppConfig.configFile`, from `IMAGEROUTER_CONFIG`); optional. */
  configFile?: string;
  /** Today, for the models' `deprecated_on` / `retires_on` (default: the real clock). */
  clock?: () => number;
  /**
   * The build's parsed copy of the built-in files (a file is used only if its text is unchanged);
   * default: `dist/catalog/built-models.json` for the shipped folder, none for any other.
   */
  builtModels?: BuiltModels;
}

/** A validated model and where it came from, for errors that name both sides of a collision. */
interface PlacedModel {
  model: Model;
  file: string;
  path: string;
}

/**
 * Reads the built-in model files and the operator config, validates everything and returns the
 * catalog. Every problem found is reported at once in one `CatalogError`, each naming its file
 * and field, so a broken deployment is fixed in one pass rather than one boot per typo.
 */
export function loadCatalog(options: LoadCatalogOptions = {}): Catalog {
  const builtinDir = options.builtinDir ?? defaultModelsDir();
  const problems: CatalogProblem[] = [];
  // The build's parsed copy serves the shipped files only; another folder is always parsed.
  const built = options.builtModels ?? (options.builtinDir === undefined ? readBuiltModels() : undefined);
  const placed = readBuiltinModels(builtinDir, built, problems);

  let config: OperatorConfig = { file: undefined };
  if (options.configFile !== undefined) {
    const configFile = readOperatorConfig(options.configFile);
    problems.push(...configFile.problems);
    config = configFile.config;
    applyOverrides(placed, configFile.models, configFile.shownFile, problems);
  }

  problems.push(...collisions(placed));
  problems.push(...unknownSuccessors(placed));
  if (problems.length > 0) throw new CatalogError(problems);
  return new Catalog(
    placed.map((entry) => resolveModel(entry.model, entry.file)),
    config,
    options.clock,
  );
}

/**
 * This module runs from `src/catalog/` (tsx, vitest), `dist/catalog/` (compiled) or `dist/bundle/`
 * (bundled). tsc does not copy YAML, and the package ships `src/catalog/models`, so from `dist/`
 * the folder is found at `<package root>/src/catalog/models`.
 */
export function defaultModelsDir(): string {
  const moduleDir = path.dirname(fileURLToPath(import.meta.url));
  const besideModule = path.join(moduleDir, 'models');
  if (existsSync(besideModule)) return besideModule;
  return path.resolve(moduleDir, '..', '..', 'src', 'catalog', 'models');
}

function readBuiltinModels(directory: string, built: BuiltModels | undefined, problems: CatalogProblem[]): PlacedModel[] {
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => /\.ya?ml$/.test(name));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CatalogError([{ file: displayPath(directory), path: '', message: `cannot read the models folder (${reason})` }]);
  }
  // Sorted, so the catalog order does not depend on the file system.
  names.sort();
  const placed: PlacedModel[] = [];
  for (const name of names) {
    const file = path.join(directory, name);
    const shown = displayPath(file);
    const data = readCollectingProblems(file, name, built, problems);
    if (data === unreadable) continue;
    const result = schemaProblems(modelFileSchema, data, shown, []);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    result.data.models.forEach((model, index) => placed.push({ model, file: shown, path: formatPath(['models', index]) }));
  }
  return placed;
}

const unreadable = Symbol('unreadable');

/** A YAML syntax error in one file should not hide the problems of the others. */
function readCollectingProblems(file: string, name: string, built: BuiltModels | undefined, problems: CatalogProblem[]): unknown {
  try {
    const text = readTextFile(file);
    return (builtDataFor(built, name, text) ?? { data: parseYamlText(text, displayPath(file)) }).data;
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    problems.push(...error.problems);
    return unreadable;
  }
}

/** Config `models:` entries: a known id is a partial override; a new id must be a complete model. */
function applyOverrides(placed: PlacedModel[], overrides: Array<[string, unknown]>, shownFile: string, problems: CatalogProblem[]): void {
  for (const [id, override] of overrides) {
    const at = formatPath(['models', id]);
    if (!isPlainObject(override)) {
      problems.push({ file: shownFile, path: at, message: 'must be a map of model fields' });
      continue;
    }
    if ('id' in override && override['id'] !== id) {
      problems.push({
        file: shownFile,
        path: formatPath(['models', id, 'id']),
        message: `must equal the key '${id}' (ids cannot be renamed)`,
      });
      continue;
    }
    const index = placed.findIndex((entry) => entry.model.id === id);
    const aliased = placed.find((entry) => entry.model.aliases.includes(id));
    if (index === -1 && aliased !== undefined) {
      problems.push({ file: shownFile, path: at, message: `is an alias of '${aliased.model.id}'; override the model by its id` });
      continue;
    }
    const existing = index === -1 ? undefined : placed[index];
    const candidate = existing === undefined ? { ...override, id } : mergeModelOverride(existing.model, override);
    const result = schemaProblems(modelSchema, candidate, shownFile, ['models', id]);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const entry: PlacedModel = { model: result.data, file: shownFile, path: at };
    // An override keeps the built-in model's place in the order; a new model goes last.
    if (existing === undefined) placed.push(entry);
    else placed[index] = entry;
  }
}

/** Duplicate ids and aliases that shadow an id or another alias, each naming both places. */
/** A successor is named to clients as the model to use instead: it must exist. */
function unknownSuccessors(placed: readonly PlacedModel[]): CatalogProblem[] {
  const known = new Set(placed.flatMap((entry) => [entry.model.id, ...entry.model.aliases]));
  return placed
    .filter((entry) => entry.model.successor !== undefined && !known.has(entry.model.successor))
    .map((entry) => ({
      file: entry.file,
      path: `${entry.path}.successor`,
      message: `'${entry.model.successor}' is not a model of the catalog`,
    }));
}

function collisions(placed: readonly PlacedModel[]): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const ids = new Map<string, PlacedModel>();
  for (const entry of placed) {
    const first = ids.get(entry.model.id);
    if (first === undefined) ids.set(entry.model.id, entry);
    else
      problems.push({
        file: entry.file,
        path: `${entry.path}.id`,
        message: `duplicate id '${entry.model.id}', already defined at ${where(first)}`,
      });
  }
  const aliases = new Map<string, PlacedModel>();
  for (const entry of placed) {
    for (const alias of entry.model.aliases) {
      const asId = ids.get(alias);
      const asAlias = aliases.get(alias);
      if (asId !== undefined) {
        problems.push({
          file: entry.file,
          path: `${entry.path}.aliases`,
          message: `alias '${alias}' collides with the model id defined at ${where(asId)}`,
        });
      } else if (asAlias !== undefined) {
        problems.push({
          file: entry.file,
          path: `${entry.path}.aliases`,
          message: `alias '${alias}' is also an alias of '${asAlias.model.id}' at ${where(asAlias)}`,
        });
      } else {
        aliases.set(alias, entry);
      }
    }
  }
  return problems;
}

function where(entry: PlacedModel): string {
  return `${entry.file}: ${entry.path}`;
}

/**
 * Parses the built-in model files as `loadCatalog` would and records them with their hashes
 * (`npm run build` writes `dist/catalog/built-models.json` with this). Unreadable or invalid YAML
 * is left out: `loadCatalog` then parses that file and reports its problems as usual.
 */
export function buildModels(directory: string = defaultModelsDir()): BuiltModels {
  const built: BuiltModels = { files: {} };
  for (const name of readdirSync(directory).filter((entry) => /\.ya?ml$/.test(entry))) {
    const file = path.join(directory, name);
    try {
      const text = readTextFile(file);
      built.files[name] = { sha256: sha256Of(text), data: parseYamlText(text, displayPath(file)) };
    } catch (error) {
      if (!(error instanceof CatalogError)) throw error;
    }
  }
  return built;
}
