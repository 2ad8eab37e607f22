// @ts-check
// ESLint 9 flat config: typescript-eslint's recommended rules (syntax only, no type information, so
// `npm run lint` stays fast; `tsc` does the type checking) and the import-boundary rule that
// encodes the layers of docs/architecture.md.
//
// Why eslint-plugin-import-x's `no-restricted-paths` (and not dependency-cruiser): one tool, one
// config and one report for style and boundaries, shown inline in editors that run ESLint. Its
// resolver-next API takes eslint-import-resolver-typescript, which reads tsconfig.json and so
// resolves our NodeNext `./x.js` specifiers to the `./x.ts` files (the rule silently skips an
// import it cannot resolve: test/unit/tooling/import-boundaries.test.ts proves it does resolve).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const root = path.dirname(fileURLToPath(import.meta.url));

/** Every layer below generation/ (a shorthand for the table below). */
const belowGeneration = [
  'domain',
  'errors',
  'config',
  'observability',
  'images',
  'net',
  'db',
  'catalog',
  'providers',
  'routing',
  'accounts',
  'storage',
];

/**
 * The layers of `src/`: each entry (a folder, or a file directly under `src/`) and the entries it
 * may import besides itself. Imports within one entry are always allowed; anything not listed is
 * forbidden, including an entry missing from this table (so a new folder under `src/` must be added
 * here; the boundary test checks that every entry is). `'*'` marks a composition root, which may
 * import anything. This table is the rule; docs/architecture.md describes it.
 * @type {Record<string, readonly string[] | '*'>}
 */
export const layers = {
  errors: [],
  config: [],
  observability: [],
  domain: ['errors'],
  images: ['domain', 'errors'],
  net: ['domain', 'errors'],
  db: ['domain', 'errors'],
  catalog: ['domain', 'errors'],
  providers: ['domain', 'errors', 'images', 'net'],
  routing: ['domain', 'errors', 'providers', 'catalog'],
  accounts: ['domain', 'errors', 'db', 'observability'],
  storage: ['domain', 'errors', 'db', 'accounts'],
  // The Redis implementations of the shared-state interfaces that accounts/ and routing/ define.
  redis: ['domain', 'errors', 'observability', 'catalog', 'providers', 'routing', 'accounts'],
  generation: belowGeneration,
  // Never db/ directly: it reaches the database through accounts/ and storage/.
  // The MCP tools: like routes, they get services and never the database.
  mcp: [...belowGeneration.filter((entry) => entry !== 'db'), 'generation'],
  http: [...belowGeneration.filter((entry) => entry !== 'db'), 'generation', 'mcp'],
  // Builds the services http/ is given, so it sits below http/.
  'app-context.ts': [...belowGeneration, 'generation', 'redis'],
  'app.ts': '*',
  'main.ts': '*',
  cli: '*',
};

/** An absolute glob matching everything one entry of `layers` holds. */
function entryGlob(/** @type {string} */ entry) {
  // A file entry gets a character class so that it is a glob too: the rule wants `except` globs
  // whenever `from` is one.
  return entry.endsWith('.ts') ? path.join(root, 'src', `${entry.slice(0, -'.ts'.length)}.[t]s`) : path.join(root, 'src', entry, '**');
}

/**
 * The `import-x/no-restricted-paths` setting for a layer table: one zone per layer that is not a
 * composition root, forbidding all of `src/` except the layer itself and what it may import.
 */
export function boundaryRule(/** @type {Record<string, readonly string[] | '*'>} */ table) {
  const zones = Object.entries(table).flatMap(([entry, allowed]) => {
    if (allowed === '*') return [];
    const list =
      allowed.length === 0 ? 'nothing else in src/' : allowed.map((name) => (name.endsWith('.ts') ? name : `${name}/`)).join(', ');
    const name = entry.endsWith('.ts') ? entry : `${entry}/`;
    return [
      {
        target: entryGlob(entry),
        from: path.join(root, 'src', '**'),
        except: [entry, ...allowed].map(entryGlob),
        message: `Layer boundary: ${name} may import only ${list} (the \`layers\` table in eslint.config.js).`,
      },
    ];
  });
  return /** @type {const} */ (['error', { basePath: root, zones }]);
}

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'data/', 'node_modules/', 'web/dist/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `let x;` assigned once after a closure that reads it (fakes, servers that redirect to
      // each other) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_name` marks a parameter or binding kept for its position or shape.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: path.join(root, 'tsconfig.json') })],
    },
    rules: { 'import-x/no-restricted-paths': boundaryRule(layers) },
  },
  // The dashboard runs in the browser: its globals, and the rules of hooks.
  {
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs['recommended-latest'].rules,
  },
);
