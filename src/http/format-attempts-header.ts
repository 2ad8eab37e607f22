import type { Attempt } from '../domain/attempt.js';

/** `openai#0=429;12ms, openai#0=ok;840ms`: the `X-ImageRouter-Attempts` header. */
export function formatAttemptsHeader(attempts: Attempt[]): string {
  return attempts
    .map((attempt) => {
      const outcome =
        attempt.outcome === 'success'
          ? 'ok'
          : attempt.outcome === 'skipped'
            ? 'circuit_open'
            : String(attempt.upstreamStatus ?? attempt.errorKind ?? 'error');
      const wait = attempt.retryAfterMs === undefined ? '' : `;retry_in=${attempt.retryAfterMs}ms`;
      return `${attempt.provider}#${attempt.keyIndex}=${outcome};${attempt.durationMs}ms${wait}`;
    })
    .join(', ');
}
