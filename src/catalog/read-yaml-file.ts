import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CatalogError } from './catalog-error.js';

type YamlModule = typeof import('yaml');
let yaml: YamlModule | undefined;

/** The YAML parser when a file really has to be parsed: with the built catalog, a start needs none. */
function yamlParser(): YamlModule {
  return (yaml ??= createRequire(import.meta.url)('yaml') as YamlModule);
}

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
  return parseYamlText(readTextFile(file), displayPath(file));
}

/** A file's text; a `CatalogError` naming it when it can't be read. */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CatalogError([{ file: displayPath(file), path: '', message: `cannot read the file (${reason})` }]);
  }
}

/** `readYamlFile` for text already read; `shown` names the file in errors. */
export function parseYamlText(text: string, shown: string): unknown {
  const document = yamlParser().parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (document.errors.length > 0) {
    throw new CatalogError(document.errors.map((error) => ({ file: shown, path: '', message: `invalid YAML: ${error.message}` })));
  }
  // YAML 1.2 (the library's default) keeps `2025-05-04` a string, as the schema expects.
  return document.toJS() as unknown;
}
