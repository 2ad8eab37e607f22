import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webRoot = path.dirname(fileURLToPath(import.meta.url));

/*
 * The dashboard: built into web/dist by `npm run build` (which `npm ci` runs as `prepare`) and
 * served by the gateway itself (src/http/routes/dashboard-routes.ts). Hashed file names under
 * /assets/ are cached for a year; nothing is loaded from anywhere but the gateway.
 */
export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.join(webRoot, 'dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `npm run dev:web` against a gateway on :3000: API calls go there.
    proxy: Object.fromEntries(
      ['/v1', '/v2', '/storage', '/operations', '/openapi.json'].map((prefix) => [prefix, 'http://127.0.0.1:3000']),
    ),
  },
});
