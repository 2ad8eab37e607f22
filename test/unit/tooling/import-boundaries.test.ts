import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// Runs the real eslint.config.js on source text placed (virtually) under src/, so the layer
// boundary rule is checked end to end: config, TypeScript resolver (`.js` → `.ts`) and zones.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const src = path.join(root, 'src');
const configFile = path.join(root, 'eslint.config.js');
const RULE = 'import-x/no-restricted-paths';

let eslint: ESLint;
let layers: Record<string, readonly string[] | '*'>;

beforeAll(async () => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: configFile });
  ({ layers } = (await import(pathToFileURL(configFile).href)) as { layers: typeof layers });
});

/** A real module of `entry` (a file under src/, or the first module directly in a folder). */
function moduleFileOf(entry: string): string {
  if (entry.endsWith('.ts')) return path.join(src, entry);
  const [first] = readdirSync(path.join(src, entry))
    .filter((name) => name.endsWith('.ts'))
    .sort();
  if (!first) throw new Error(`src/${entry}/ has no module to import`);
  return path.join(src, entry, first);
}

/** The specifier, relative to `fromFile` and NodeNext-style (`.js`), of a real module of `entry`. */
function moduleOf(entry: string, fromFile: string): string {
  const relative = path.relative(path.dirname(path.join(src, fromFile)), moduleFileOf(entry)).replace(/\.ts$/, '.js');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

async function boundaryMessages(fromFile: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(src, fromFile) });
  expect(result?.messages.filter((message) => message.fatal)).toEqual([]);
  return (result?.messages ?? []).filter((message) => message.ruleId === RULE).map((message) => message.message);
}

describe('import boundaries (the `layers` table in eslint.config.js)', () => {
  it('fails a provider that imports http/', async () => {
    const file = 'providers/x/forbidden-import.ts';
    const messages = await boundaryMessages(file, `import * as http from '${moduleOf('http', file)}';\nexport const used = http;\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('providers/ may import only domain/, errors/, images/, net/');
  });

  it('fails a type-only import too', async () => {
    const file = 'providers/x/forbidden-type-import.ts';
    const messages = await boundaryMessages(
      file,
      `import type * as http from '${moduleOf('http', file)}';\nexport type Used = typeof http;\n`,
    );
    expect(messages).toHaveLength(1);
  });

  it('passes a provider that imports only what its layer may', async () => {
    const file = 'providers/x/allowed-import.ts';
    const code = ['domain', 'errors', 'images', 'net', 'providers']
      .map((entry, index) => `import * as m${index} from '${moduleOf(entry, file)}';\nexport const u${index} = m${index};\n`)
      .join('');
    const [result] = await eslint.lintText(code, { filePath: path.join(src, file) });
    expect(result?.messages).toEqual([]);
  });

  it.each([
    // [importing file under src/, imported entry, forbidden]
    ['http/x/f.ts', 'db', true],
    ['http/x/f.ts', 'app-context.ts', true],
    ['http/x/f.ts', 'cli', true],
    ['accounts/f.ts', 'generation', true],
    ['routing/f.ts', 'http', true],
    ['generation/f.ts', 'http', true],
    ['domain/f.ts', 'images', true],
    ['errors/f.ts', 'domain', true],
    ['http/x/f.ts', 'generation', false],
    ['storage/f.ts', 'accounts', false],
    ['routing/f.ts', 'catalog', false],
    ['cli/f.ts', 'http', false],
  ] as const)('%s importing %s is forbidden: %s', async (file, entry, forbidden) => {
    const messages = await boundaryMessages(file, `import * as m from '${moduleOf(entry, file)}';\nexport const used = m;\n`);
    expect(messages).toHaveLength(forbidden ? 1 : 0);
  });

  it('names every folder and top-level file under src/, and only those', () => {
    const entries = readdirSync(src, { withFileTypes: true })
      .filter((item) => item.isDirectory() || item.name.endsWith('.ts'))
      .map((item) => item.name)
      .sort();
    expect(Object.keys(layers).sort()).toEqual(entries);
    for (const allowed of Object.values(layers)) {
      if (allowed !== '*') for (const entry of allowed) expect(entries).toContain(entry);
    }
  });
});
