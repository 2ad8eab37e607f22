/** The `undici` module: its HTTP client for upstream calls, downloads and webhooks. */
export type Undici = typeof import('undici');

let loaded: Undici | undefined;
let loading: Promise<Undici> | undefined;

/**
 * undici, imported on first use rather than with the server. It is the largest package the server
 * runs (a quarter of the bundle) and nothing at start needs it: importing it took ~50 ms of every
 * cold start (docs/performance.md, "Cold start"). The server preloads it a moment after it
 * listens (`cli/serve-command.ts`); a call before that waits for the import once.
 */
export function loadUndici(): Promise<Undici> {
  if (loaded !== undefined) return Promise.resolve(loaded);
  return (loading ??= import('undici').then(
    (module) => (loaded = namedExports(module)),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  ));
}

/**
 * Node gives a CommonJS package imported from an ES module both its named exports and `default`;
 * esbuild's bundle (scripts/bundle-server.js) gives only `default`, the package's `module.exports`.
 */
function namedExports(module: Undici): Undici {
  return typeof module.request === 'function' ? module : (module as unknown as { default: Undici }).default;
}
