import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built-in model files parsed at build time. Parsing the YAML is most of the catalog's share
 * of a cold start; JSON of the same data parses in a fraction of that. Each entry keeps the
 * SHA-256 of the text it came from, so a file edited after the build is parsed from YAML again.
 */
export interface BuiltModels {
  files: Record<string, { sha256: string; data: unknown }>;
}

/**
 * `dist/catalog/built-models.json`, next to the compiled catalog module. Named through the parent
 * folder so the path is the same from `dist/catalog/` (tsc's output) and from `dist/bundle/` (the
 * bundled server, `scripts/bundle-server.js`), whose modules sit at the same depth.
 */
export const BUILT_MODELS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'catalog', 'built-models.json');

export function sha256Of(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The build's data when it was made from exactly `text`; `undefined` otherwise (no build, or an edit since). */
export function builtDataFor(built: BuiltModels | undefined, name: string, text: string): { data: unknown } | undefined {
  const entry = built?.files[name];
  return entry !== undefined && entry.sha256 === sha256Of(text) ? { data: entry.data } : undefined;
}

/** The build's file, or `undefined` when there is none or it is unreadable (then every file is parsed from YAML). */
export function readBuiltModels(file: string = BUILT_MODELS_FILE): BuiltModels | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as BuiltModels).files !== 'object') return undefined;
    return parsed as BuiltModels;
  } catch {
    return undefined;
  }
}

export function writeBuiltModels(built: BuiltModels, file: string = BUILT_MODELS_FILE): void {
  writeFileSync(file, JSON.stringify(built));
}
