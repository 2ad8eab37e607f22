// Bundles the compiled server (dist/main.js and dist/cli/main.js, from tsc) into dist/bundle/.
//
// Why: Node resolves, reads and compiles each ES module on its own; the server's ~1,050 files
// (ours and its dependencies') cost about a second of a cold start, a handful of bundled files
// under half of that (docs/performance.md, "Cold start"). tsc's output stays the source of truth
// (the bundle is made from it, not from src/), so what runs is what was type-checked and tested.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'bundle');

/**
 * Loaded from node_modules at run time instead: native addons (better-sqlite3, sharp), packages
 * that start worker threads from their own files (pino), packages loaded only on first use that
 * would only make the bundle bigger (the S3 client, PostgreSQL, Redis, the MCP SDK), yaml, which
 * the catalog loads through `createRequire` only when a model file changed since the build, and
 * Fastify's schema compilers, which `src/http/no-schema-compilers.ts` replaces (never loaded).
 */
const external = [
  'better-sqlite3',
  'sharp',
  'pg',
  'pg-*',
  'ioredis',
  '@aws-sdk/*',
  '@modelcontextprotocol/sdk',
  'pino',
  'yaml',
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
];

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'dist/main.js', cli: 'dist/cli/main.js' },
  outdir,
  bundle: true,
  // Dynamic imports (S3, Redis, MCP, sharp) stay separate chunks, loaded on first use as before.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: true,
  // Drops comments and indentation, and with them the non-ASCII characters of some comments: V8
  // reads an all-ASCII file as one-byte text, which decodes and compiles faster (~30 ms of a start).
  // Names are kept, so a stack trace still reads; the source maps lead back to the sources.
  minifyWhitespace: true,
  legalComments: 'linked',
  // Bundled CommonJS packages `require` Node's built-ins and the externals above.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stdout.write(
  `bundled the server into ${path.relative(root, outdir)}/ (${(bytes / 1024 / 1024).toFixed(1)} MiB with source maps)\n`,
);
