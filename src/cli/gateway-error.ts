import { CliExitError, EXIT_GATEWAY } from './cli-exit-error.js';

/** The gateway's `{"error": {...}}` answer, kept whole so `--json` can pass it on to scripts. */
export interface GatewayErrorBody {
  message: string;
  type?: string | undefined;
  code?: string | undefined;
  param?: string | undefined;
}

/** The gateway answered, and the answer was an error: exit code 3. */
export class GatewayError extends CliExitError {
  constructor(
    readonly status: number,
    readonly error: GatewayErrorBody,
  ) {
    const details = [
      error.type === undefined ? undefined : `type ${error.type}`,
      error.code === undefined ? undefined : `code ${error.code}`,
      error.param === undefined ? undefined : `param ${error.param}`,
    ].filter((detail) => detail !== undefined);
    super(EXIT_GATEWAY, `the gateway answered ${status}: ${error.message}${details.length > 0 ? ` (${details.join(', ')})` : ''}`);
    this.name = 'GatewayError';
  }
}
