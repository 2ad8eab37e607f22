import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { createAppContext, type AppContext, type AppContextOverrides } from '../../src/app-context.js';
import { loadAppConfig } from '../../src/config/app-config.js';
import { createApiKey } from '../../src/accounts/api-key-repository.js';

export interface TestGateway {
  app: FastifyInstance;
  context: AppContext;
  /** `http://127.0.0.1:<port>` when listening, else undefined. */
  url: string;
  dataDir: string;
  /** A fresh unlimited key. */
  key: string;
  createKey(options?: { creditsMicros?: number | null; admin?: boolean; name?: string }): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real gateway over a temp data dir (SQLite unless `env.DATABASE_URL`), listening on an
 * ephemeral port of 127.0.0.1, with one API key.
 */
export async function startTestGateway(env: Record<string, string> = {}, overrides: AppContextOverrides = {}): Promise<TestGateway> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-test-'));
  const config = loadAppConfig({ IMAGEROUTER_DATA_DIR: dataDir, LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0', ...env });
  const context = await createAppContext(config, overrides);
  const app = await buildApp(context, { logger: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  // Hosted URLs must point at the real port.
  context.config.publicUrl = env['PUBLIC_URL'] ?? address;
  context.config.port = Number(new URL(address).port);
  const createKey: TestGateway['createKey'] = async (options = {}) =>
    (
      await createApiKey(context.database.db, {
        name: options.name ?? 'test',
        admin: options.admin ?? false,
        creditsMicros: options.creditsMicros ?? null,
      })
    ).key;
  const key = await createKey();
  return {
    app,
    context,
    url: address,
    dataDir,
    key,
    createKey,
    async close() {
      await app.close();
      await context.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
