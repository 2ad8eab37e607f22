import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { createAppContext, type AppContext } from '../app-context.js';
import { loadAppConfig } from '../config/app-config.js';
import { countAdminKeys, createApiKey, ensureAdminKey } from '../accounts/api-key-repository.js';
import { sweepExpiredImages } from '../storage/sweep-expired-images.js';

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const SHUTDOWN_GRACE_MS = 30_000;
const IDLE_REAP_INTERVAL_MS = 100;

export interface RunningServer {
  app: FastifyInstance;
  context: AppContext;
  url: string;
  stop(): Promise<void>;
}

/** Starts the gateway: config → database and migrations → admin key → crash recovery → HTTP → retention sweeps. */
export async function startServer(
  env: NodeJS.ProcessEnv = process.env,
  options: { logger?: boolean; handleSignals?: boolean; migrate?: boolean } = {},
): Promise<RunningServer> {
  const config = loadAppConfig(env);
  const context = await createAppContext(config, { ...(options.migrate === undefined ? {} : { migrate: options.migrate }) });
  await prepareAdminKey(context);
  const app = await buildApp(context, { ...(options.logger === undefined ? {} : { logger: options.logger }) });
  let recovering: Promise<void> | undefined;
  // One run at a time: a slow database must not stack runs up (they would only find nothing).
  const recover = () =>
    (recovering ??= context
      .recoverAbandoned()
      .then(({ released, settled, resumed }) => {
        if (released.length + settled.length > 0) {
          app.log.warn({ released, settled }, 'finished generations abandoned by a stopped process');
        }
        if (resumed.length > 0) app.log.warn({ resumed }, 'took over async generations of a stopped process');
      })
      .catch((error: unknown) => app.log.error({ err: error }, 'crash recovery failed'))
      .finally(() => (recovering = undefined)));
  // Before serving, so balances are whole again by the first request; then as often as a lease
  // lasts, for generations of replicas that die while this one runs (and of the process this one
  // replaced, whose leases may not have passed yet).
  await recover();
  const recoverer = setInterval(recover, config.generationLeaseMs);
  recoverer.unref();
  // Deliveries queued before a crash (the outbox survives it) go out from here on; `context.close` stops it.
  context.webhookDispatcher.start();
  const address = await app.listen({ port: config.port, host: config.host });

  const sweep = () =>
    sweepExpiredImages({ db: context.database.db, store: context.store, now: context.clock(), retentionDays: config.retentionDays })
      .then((count) => {
        if (count > 0) app.log.info({ count }, 'deleted expired images');
      })
      .catch((error: unknown) => app.log.error({ err: error }, 'retention sweep failed'));
  void sweep();
  const sweeper = setInterval(sweep, SWEEP_INTERVAL_MS);
  sweeper.unref();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(sweeper);
      clearInterval(recoverer);
      await recovering;
      // Stop accepting, let in-flight generations finish (bounded), then close the database.
      const force = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      force.unref();
      // Keep-alive connections turn idle as their last response ends: close them as they do.
      const reaper = setInterval(() => app.server.closeIdleConnections(), IDLE_REAP_INTERVAL_MS);
      await app.close();
      clearInterval(reaper);
      clearTimeout(force);
      // Async generations have no connection to drain: wait for them too, as long as the grace lasts.
      if (context.background.size > 0) {
        await Promise.race([
          Promise.allSettled([...context.background]),
          new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref()),
        ]);
      }
      await context.close();
    })());

  if (options.handleSignals !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        app.log.info({ signal }, 'shutting down');
        stop().then(
          () => process.exit(0),
          (error: unknown) => {
            app.log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  }
  const url = address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  return { app, context, url, stop };
}

/** An admin key from the environment, or one created and printed once on the very first start. */
async function prepareAdminKey(context: AppContext): Promise<void> {
  const db = context.database.db;
  if (context.config.adminKey) {
    await ensureAdminKey(db, context.config.adminKey);
    return;
  }
  if ((await countAdminKeys(db)) > 0) return;
  const created = await createApiKey(db, { name: 'admin', admin: true });
  process.stdout.write(
    [
      '',
      'No admin key existed, so one was created. It is shown this once; store it now:',
      '',
      `  ${created.key}`,
      '',
      'Create keys for your apps with: npx imagerouter keys create --name <name>',
      '',
    ].join('\n') + '\n',
  );
}
