import { ConfigError } from './config/app-config.js';
import { startServer } from './cli/serve-command.js';
import { tuneServerHeap } from './cli/tune-server-heap.js';

/** `node dist/bundle/main.js` (bundled) or `node dist/main.js`: serve with the environment's configuration. */
tuneServerHeap();
startServer().catch((error: unknown) => {
  process.stderr.write(`imagerouter: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
