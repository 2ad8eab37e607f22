/** Exit codes of the commands that talk to a running gateway (README "Command line"). */
export const EXIT_USAGE = 2;
export const EXIT_GATEWAY = 3;
export const EXIT_NETWORK = 4;

/**
 * An error the bin reports by its message alone and exits with `exitCode`, so scripts can tell a
 * mistyped command from a refused request from an unreachable gateway.
 */
export class CliExitError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliExitError';
  }
}

export function usageError(message: string): CliExitError {
  return new CliExitError(EXIT_USAGE, message);
}
