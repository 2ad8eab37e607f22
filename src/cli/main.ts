import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/app-config.js';
import { registerAccountsCommand } from './accounts-command.js';
import { CliExitError, EXIT_USAGE } from './cli-exit-error.js';
import { registerCreditsCommand } from './credits-command.js';
import { registerDoctorCommand } from './doctor-command.js';
import { registerEditCommand } from './edit-command.js';
import { registerGenerateCommand } from './generate-command.js';
import { registerKeysCommand } from './keys-command.js';
import { registerMigrateCommand } from './migrate-command.js';
import { registerModelsCommand } from './models-command.js';
import { startServer } from './serve-command.js';
import { tuneServerHeap } from './tune-server-heap.js';
import { registerUsageCommand } from './usage-command.js';

/** `imagerouter serve | migrate | keys | accounts | credits | usage | doctor | generate | edit | models ...`: the bin entry point. */
export async function runCli(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('imagerouter').description('Self-hosted, OpenAI-compatible image generation gateway');
  // Commander's usage errors throw instead of exiting 1, so they get the documented exit code 2.
  program.exitOverride();
  program
    .command('serve', { isDefault: true })
    .description('serve the gateway (PORT, HOST, DATABASE_URL, IMAGEROUTER_DATA_DIR, ...)')
    .option('--no-migrate', 'do not run migrations; refuse to start if the schema is behind (run `imagerouter migrate` first)')
    .action(async (options: { migrate: boolean }) => {
      tuneServerHeap();
      await startServer(process.env, { migrate: options.migrate });
    });
  registerMigrateCommand(program);
  registerKeysCommand(program);
  registerAccountsCommand(program);
  registerCreditsCommand(program);
  registerUsageCommand(program);
  registerDoctorCommand(program);
  registerGenerateCommand(program);
  registerEditCommand(program);
  registerModelsCommand(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // Commander has already printed its message (or the help, with exit code 0).
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    if (error instanceof CliExitError) {
      process.stderr.write(`imagerouter: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    if (error instanceof ConfigError || error instanceof Error) {
      process.stderr.write(`imagerouter: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
