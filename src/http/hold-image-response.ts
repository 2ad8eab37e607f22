import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { beginImageResponse, writeParts } from './send-image-response.js';
import type { ImageResponseBody } from './serialize-image-response.js';

/**
 * An image answer sent while the generation's charge commits: its status, headers and every part
 * but the last go out as soon as the output is known; the last part (the JSON's closing fields,
 * a hundred bytes or so) only once the run has resolved, that is once the charge is committed. The
 * settle's transaction then overlaps the client reading megabytes of base64 instead of delaying
 * them (0.3 ms of a 1.9 MB answer's latency on SQLite, more on PostgreSQL's round trips).
 *
 * A client never holds a whole answer that was not charged: if the run fails after the start,
 * `cut` destroys the connection and the client sees a broken response (the SDKs' connection
 * error), never a success; the record says why. Only answers of several parts start early (base64
 * images inline): a small one gains nothing and keeps its proper error status if the settle fails.
 */
export interface HeldImageResponse {
  /** The answer began here: the reply is hijacked, and only `finish` or `cut` may follow. */
  readonly started: boolean;
  /**
   * Sends all but the last part, after `setHeaders` sets the reply's status and headers, unless
   * the answer is a single part or the reply is already sent or hijacked (a heartbeat began).
   */
  start(body: ImageResponseBody, setHeaders: () => void): void;
  /** Sends the last part and ends the response (nothing if the client left). */
  finish(): void;
  /** Ends the connection without the last part. */
  cut(): void;
}

export function holdImageResponse(reply: FastifyReply): HeldImageResponse {
  let raw: ServerResponse | undefined;
  let last: Buffer | undefined;
  let started = false;
  return {
    get started() {
      return started;
    },
    start(body, setHeaders) {
      if (started || body.parts.length < 2 || reply.sent) return;
      setHeaders();
      raw = beginImageResponse(reply, body.length);
      // Started once the reply is hijacked: a throw before that leaves it to the route's error path.
      started = true;
      if (raw === undefined) return;
      last = body.parts.at(-1);
      // Out now, in one writev, while the caller commits the charge.
      writeParts(raw, body.parts.slice(0, -1));
    },
    finish() {
      if (raw !== undefined && !raw.destroyed) raw.end(last);
      last = undefined;
    },
    cut() {
      raw?.destroy();
      last = undefined;
    },
  };
}
