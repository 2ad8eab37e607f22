import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, toApiError } from './plugins/error-handler.js';
import type { ImageResponseBody } from './serialize-image-response.js';
import { writeImageBody } from './send-image-response.js';

export interface HeartbeatOptions {
  /** Wait this long for a result before committing a 200 and sending whitespace. */
  delayMs: number;
  intervalMs: number;
}

export type HeartbeatOutcome<T> = { kind: 'result'; value: T } | { kind: 'streamed' };

/**
 * Proxies cut idle connections after 60-100 s. A generation that is still running after
 * `delayMs` gets a committed 200 and a space every `intervalMs` (JSON parsers skip leading
 * whitespace); its result or error then follows as the body, an error carrying its `status`.
 * Before that, the caller answers normally with real status codes.
 */
export async function respondWithHeartbeat<T extends object>(
  request: FastifyRequest,
  reply: FastifyReply,
  work: Promise<T>,
  options: HeartbeatOptions,
  streamed: { toBody: (value: T) => ImageResponseBody; onError: (error: unknown) => void },
): Promise<HeartbeatOutcome<T>> {
  let delayTimer: NodeJS.Timeout | undefined;
  const delay = new Promise<'delay'>((resolve) => {
    delayTimer = setTimeout(() => resolve('delay'), options.delayMs);
  });
  // Settle-tracking wrapper: the race must not turn a rejection into an unhandled one.
  const settled = work.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  let first = await Promise.race([settled, delay]);
  clearTimeout(delayTimer);
  // The answer already began (http/hold-image-response.ts while the settle outlived the delay):
  // no heartbeat into it; only its end waits for the result.
  if (first === 'delay' && reply.sent) first = await settled;
  if (first !== 'delay') {
    if (first.ok) return { kind: 'result', value: first.value };
    throw first.error;
  }

  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-imagerouter-heartbeat': '1' });
  raw.write(' ');
  const interval = setInterval(() => {
    if (!raw.writableEnded && !raw.destroyed) raw.write(' ');
  }, options.intervalMs);
  const outcome = await settled;
  clearInterval(interval);
  if (raw.destroyed) return { kind: 'streamed' };
  if (outcome.ok) {
    writeImageBody(raw, streamed.toBody(outcome.value));
  } else {
    streamed.onError(outcome.error);
    raw.end(JSON.stringify(errorBody(toApiError(outcome.error), true)));
  }
  request.log.info({ statusCode: 200, heartbeat: true }, 'streamed response finished');
  return { kind: 'streamed' };
}
