import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { CatalogError } from './catalog-error.js';

/** A file name as the operator should read it: relative when under the working directory. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * Reads and parses one YAML file. Syntax errors and duplicate keys (which YAML would otherwise
 * resolve by keeping the last one) become a `CatalogError` naming the file and the line. Merge
 * keys (`<<: *anchor`) are on: routes of one upstream family share their options block and state
 * only what differs.
 */
export function readYamlFile(file: string): unknown {
  const shown = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CatalogError([{ file: shown, path: '', message: `cannot read the file (${reason})` }]);
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (document.errors.length > 0) {
    throw new CatalogError(document.errors.map((error) => ({ file: shown, path: '', message: `invalid YAML: ${error.message}` })));
  }
  // YAML 1.2 (the library's default) keeps `2025-05-04` a string, as the schema expects.
  return document.toJS() as unknown;
}
