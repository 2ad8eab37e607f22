import { Command } from 'commander';
import { ConfigError } from '../config/app-config.js';
import { registerAccountsCommand } from './accounts-command.js';
import { registerCreditsCommand } from './credits-command.js';
import { registerDoctorCommand } from './doctor-command.js';
import { registerKeysCommand } from './keys-command.js';
import { startServer } from './serve-command.js';
import { registerUsageCommand } from './usage-command.js';

/** `imagerouter serve | keys | accounts | credits | usage | doctor ...`: the bin entry point. */
export async function runCli(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('imagerouter').description('Self-hosted, OpenAI-compatible image generation gateway');
  program
    .command('serve', { isDefault: true })
    .description('serve the gateway (PORT, HOST, DATABASE_URL, IMAGEROUTER_DATA_DIR, ...)')
    .action(async () => {
      await startServer();
    });
  registerKeysCommand(program);
  registerAccountsCommand(program);
  registerCreditsCommand(program);
  registerUsageCommand(program);
  registerDoctorCommand(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof Error) {
      process.stderr.write(`imagerouter: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
