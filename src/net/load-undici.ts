/** The `undici` module: its HTTP client for upstream calls, downloads and webhooks. */
export type Undici = typeof import('undici');

let loaded: Undici | undefined;
let loading: Promise<Undici> | undefined;

/**
 * undici, imported on first use rather than with every command. It is the largest package the
 * server runs (a quarter of the bundle): CLI commands that call no provider skip it, and the
 * server loads it before it listens (`cli/serve-command.ts`), not after, so the import never
 * blocks a server that is already answering.
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
