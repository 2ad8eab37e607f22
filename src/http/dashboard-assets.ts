import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** One file of the built dashboard, held in memory with its gzip form (the whole app is a few hundred KB). */
export interface DashboardAsset {
  body: Buffer;
  /**
   * The gzip form, made on first use and kept: compressing the app at start cost a cold start
   * ~10 ms for a dashboard nobody may open. `undefined` for formats that don't shrink (images).
   */
  gzip(): Buffer | undefined;
  contentType: string;
}

export interface DashboardAssets {
  /** `index.html`, or undefined when the dashboard was not built. */
  index: DashboardAsset | undefined;
  /** Every other file by its URL path (`/assets/index-3f2a.js`, `/favicon.svg`). */
  files: Map<string, DashboardAsset>;
  dir: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/**
 * `web/dist` of this package: three levels above this file as TypeScript (src/http/) run by tsx,
 * as compiled JavaScript (dist/http/) and bundled (dist/bundle/).
 */
export function defaultDashboardDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');
}

const loaded = new Map<string, DashboardAssets>();

/**
 * Reads the built dashboard once per process (a rebuild is picked up by a restart); a missing build
 * yields no files, and the gateway still serves its API.
 */
export function loadDashboardAssets(dir: string = defaultDashboardDir()): DashboardAssets {
  const cached = loaded.get(dir);
  if (cached !== undefined) return cached;
  const files = new Map<string, DashboardAsset>();
  if (existsSync(dir)) {
    for (const file of listFiles(dir)) {
      const extension = path.extname(file).toLowerCase();
      const body = readFileSync(file);
      files.set(`/${path.relative(dir, file).split(path.sep).join('/')}`, {
        body,
        gzip: COMPRESSIBLE.has(extension) ? once(() => gzipSync(body, { level: 9 })) : () => undefined,
        contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
      });
    }
  }
  const index = files.get('/index.html');
  files.delete('/index.html');
  const assets = { index, files, dir };
  // Only a complete build is remembered: a test that builds later still finds it.
  if (index !== undefined) loaded.set(dir, assets);
  return assets;
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}
