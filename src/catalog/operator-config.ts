import type { CatalogProblem } from './catalog-error.js';
import { displayPath, readYamlFile } from './read-yaml-file.js';
import { formatPath } from './schema-problems.js';

/**
 * Top-level keys of the operator config file (`IMAGEROUTER_CONFIG`). `models` is read by the
 * catalog; the others belong to later modules and are passed through raw. A key outside this list
 * is an error, so a misspelt `provders:` is caught at boot. Add a section here before using it.
 */
export const OPERATOR_CONFIG_KEYS = ['models', 'providers', 'routing'] as const;
export type OperatorConfigKey = (typeof OPERATOR_CONFIG_KEYS)[number];

/** The config file's sections other than `models`, unvalidated: each owner validates its own. */
export type OperatorConfig = { file: string | undefined } & Partial<Record<Exclude<OperatorConfigKey, 'models'>, unknown>>;

export interface OperatorConfigFile {
  config: OperatorConfig;
  /** `models:` entries in file order: id → partial (override) or complete (new) model, unvalidated. */
  models: Array<[id: string, model: unknown]>;
  /** The file name as shown in errors. */
  shownFile: string;
  problems: CatalogProblem[];
}

export function readOperatorConfig(file: string): OperatorConfigFile {
  const shownFile = displayPath(file);
  const data = readYamlFile(file);
  const result: OperatorConfigFile = { config: { file }, models: [], shownFile, problems: [] };
  // An empty file is a valid "no overrides" config (e.g. a mounted placeholder).
  if (data === null || data === undefined) return result;
  if (!isPlainObject(data)) {
    result.problems.push({ file: shownFile, path: '', message: 'must be a YAML mapping (e.g. `models:` or `providers:`)' });
    return result;
  }
  for (const [key, value] of Object.entries(data)) {
    if (!isOperatorConfigKey(key)) {
      result.problems.push({
        file: shownFile,
        path: formatPath([key]),
        message: `unknown top-level key (allowed: ${OPERATOR_CONFIG_KEYS.join(', ')})`,
      });
    } else if (key === 'models') {
      readModelsSection(value, shownFile, result);
    } else {
      result.config[key] = value;
    }
  }
  return result;
}

function readModelsSection(value: unknown, shownFile: string, result: OperatorConfigFile): void {
  if (value === null || value === undefined) return;
  if (!isPlainObject(value)) {
    result.problems.push({
      file: shownFile,
      path: 'models',
      message: 'must be a map from model id to model fields, e.g. `"test/test": {pricing: {type: fixed, value: 0.01}}`',
    });
    return;
  }
  result.models = Object.entries(value);
}

function isOperatorConfigKey(key: string): key is OperatorConfigKey {
  return (OPERATOR_CONFIG_KEYS as readonly string[]).includes(key);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
