import type { ErrorKind } from '../errors/api-error.js';

/** One call to one route, kept in the generation record and summarised in a response header. */
export interface Attempt {
  provider: string;
  /** The upstream model name. */
  model: string;
  outcome: 'success' | 'error';
  durationMs: number;
  errorKind?: ErrorKind;
  /** The upstream HTTP status, when there was one. */
  upstreamStatus?: number;
  message?: string;
}

/** `test→429 12ms, test→ok 40ms`: the `X-ImageRouter-Attempts` header. */
export function formatAttemptsHeader(attempts: Attempt[]): string {
  return attempts
    .map((attempt) => {
      const outcome = attempt.outcome === 'success' ? 'ok' : String(attempt.upstreamStatus ?? attempt.errorKind ?? 'error');
      return `${attempt.provider}=${outcome};${attempt.durationMs}ms`;
    })
    .join(', ');
}
