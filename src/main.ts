import { ConfigError } from './config/app-config.js';
import { startServer } from './cli/serve-command.js';

/** `node dist/main.js`: serve with the environment's configuration. */
startServer().catch((error: unknown) => {
  process.stderr.write(`imagerouter: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
