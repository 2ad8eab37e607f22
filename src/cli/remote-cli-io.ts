import { processIo, type CliIo } from './admin-cli-context.js';

/** `CliIo` for the commands that call a running gateway: they also need a TTY check and a working directory. */
export interface RemoteCliIo extends CliIo {
  stderr: { write(text: string): unknown; isTTY?: boolean };
  cwd(): string;
}

export const processRemoteIo: RemoteCliIo = { ...processIo, stderr: process.stderr, cwd: () => process.cwd() };
