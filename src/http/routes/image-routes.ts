import { deprecationHeaders } from '../deprecation-headers.js';
import { rateLimitHeaders, type RateLimitState } from '../../generation/admit-generation.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { GenerationFailure, type GenerationOutput } from '../../generation/generate-images.js';
import type { GenerationRequest } from '../../generation/generation-request.js';
import type { GenerationService } from '../../generation/generation-service.js';
import { IDEMPOTENCY_HEADER } from '../../generation/idempotent-generation.js';
import { invalidParam } from '../../errors/api-error.js';
import {
  createScratchBuffers,
  leaseScratch,
  type LendBuffer,
  type ScratchBuffers,
  type ScratchLease,
} from '../../domain/scratch-buffers.js';
import { formatAttemptsHeader } from '../format-attempts-header.js';
import { clientAddressOf } from '../client-address.js';
import type { HttpSettings } from '../http-services.js';
import { authenticate, callerOf, type FindKey } from '../plugins/authenticate.js';
import { readImageBody } from '../read-image-body.js';
import { holdImageResponse } from '../hold-image-response.js';
import { respondWithHeartbeat } from '../respond-with-heartbeat.js';
import { sendImageResponse } from '../send-image-response.js';
import { serializeImageResponse, type ImageResponseBody } from '../serialize-image-response.js';

/** Paths of the one unified image handler: ImageRouter's and OpenAI's. */
export const IMAGE_PATHS = [
  '/v1/openai/images/generations',
  '/v1/openai/images/edits',
  '/v1/images/generations',
  '/v1/images/edits',
] as const;

export interface ImageRoutesOptions {
  findKey: FindKey;
  generations: GenerationService;
  settings: HttpSettings;
  /** The gateway's clock: `created` and `latency` start when the request arrived, on the records' clock. */
  clock: () => number;
}

/**
 * Where providers' answers are read (`lendBuffer`): a 1024x1024 PNG answer is ~1.9 MB, so 64
 * requests in flight keep ~128 MiB, never more; beyond it, buffers are allocated and collected.
 * Up to 32 MiB a buffer: ten images in one answer still fit.
 */
const ANSWER_BUFFER_LIMITS = { maxKept: 64, maxKeptBytes: 128 * 1024 * 1024, maxBufferBytes: 32 * 1024 * 1024 } as const;

export const imageRoutes: FastifyPluginAsync<ImageRoutesOptions> = async (app, options) => {
  app.addHook('onRequest', authenticate(options.findKey, 'generate'));
  // The buffers answers are read into, shared by the routes.
  const answerBuffers = createScratchBuffers(ANSWER_BUFFER_LIMITS);
  // Only JSON and multipart are image requests: any other Content-Type (Fastify would parse
  // text/plain by default) is a 415, as the OpenAPI document says.
  app.removeContentTypeParser('text/plain');
  for (const url of IMAGE_PATHS) {
    app.post(url, { bodyLimit: options.settings.maxRequestBytes }, (request, reply) =>
      handleImageRequest(options, answerBuffers, request, reply),
    );
  }
};

/**
 * Reads the body, hands it to the use case, and maps the outcome: a 202 in async mode, else the
 * images (behind a heartbeat if slow), with the generation id and attempts in headers either way.
 */
async function handleImageRequest(
  { generations, settings, clock }: ImageRoutesOptions,
  answerBuffers: ScratchBuffers,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const startedAt = clock();
  const caller = callerOf(request);
  const disconnect = abortOnClientClose(reply);
  const answer = holdImageResponse(reply);
  // Made at the first loan: a request that borrows nothing (a small answer, an error) has nothing to give back.
  // The kernel reads an answer straight into the lent buffer (`upstreamFetchChunks`), so lending costs no copy.
  let lease: ScratchLease | undefined;
  const lendBuffer: LendBuffer = (size) => (lease ??= leaseScratch(answerBuffers)).borrow(size);
  try {
    const idempotencyKey = readIdempotencyKey(request);
    const body = withPathDefaults(await readImageBody(request, settings), request.routeOptions.url);
    const clientIp = clientAddressOf(request);
    const generation = {
      request: body,
      caller: { accountId: caller.accountId, apiKeyId: caller.apiKeyId, rateLimits: caller.rateLimits, ...(clientIp ? { clientIp } : {}) },
      startedAt,
      // Before any slow step, so the headers go out even when a heartbeat commits the response early.
      onAdmitted: (rateLimit: RateLimitState | null) => {
        if (rateLimit !== null && !reply.raw.headersSent) reply.headers(rateLimitHeaders(rateLimit));
      },
    };
    if (/\brespond-async\b/i.test(String(request.headers['prefer'] ?? ''))) {
      const start = {
        ...generation,
        onBackgroundError: (error: unknown, generationId: string) =>
          request.log.warn({ err: error instanceof GenerationFailure ? error.error : error, generationId }, 'async generation failed'),
      };
      const { id, replayed } =
        idempotencyKey === undefined
          ? { id: await generations.start(start), replayed: false }
          : await generations.startIdempotent({ ...start, idempotencyKey });
      if (replayed) reply.header('Idempotent-Replayed', 'true');
      const location = `${settings.publicUrl}/v1/generations/${id}`;
      reply.code(202).header('X-Generation-Id', id).header('Location', location).header('cache-control', 'no-store');
      return reply.send({ id, object: 'image.generation', status: 'processing', created: startedAt, url: location });
    }
    // A large answer starts while its charge commits; its end waits for the run (hold-image-response.ts).
    // The body is serialized once: the run resolves with the very output handed to onOutput.
    let early: { output: GenerationOutput; body: ImageResponseBody } | undefined;
    const bodyOf = (output: GenerationOutput) => (early?.output === output ? early.body : serializeImageResponse(output));
    const onOutput = (output: GenerationOutput) => {
      early = { output, body: serializeImageResponse(output) };
      answer.start(early.body, () => setSuccessHeaders(reply, output, settings));
    };
    const work =
      idempotencyKey === undefined
        ? generations.run({ ...generation, signal: disconnect.signal, onOutput, lendBuffer })
        : generations
            .runIdempotent({ ...generation, signal: disconnect.signal, idempotencyKey, onOutput, lendBuffer })
            .then(({ output, replayed }) => {
              // After a heartbeat the headers are gone; the body is the same either way.
              if (replayed && !reply.raw.headersSent) reply.header('Idempotent-Replayed', 'true');
              return output;
            });
    const outcome = await respondWithHeartbeat(
      request,
      reply,
      work,
      { delayMs: settings.heartbeatDelayMs, intervalMs: settings.heartbeatIntervalMs },
      {
        toBody: bodyOf,
        onError: (error) =>
          request.log.warn({ err: error instanceof GenerationFailure ? error.error : error }, 'generation failed after heartbeat'),
      },
    );
    if (outcome.kind === 'streamed') return reply;
    if (answer.started) {
      answer.finish();
      return reply;
    }
    const output = outcome.value;
    setSuccessHeaders(reply, output, settings);
    return sendImageResponse(reply, bodyOf(output));
  } catch (error) {
    if (answer.started) {
      answer.cut();
      request.log.warn(
        { err: error instanceof GenerationFailure ? error.error : error },
        'generation failed after its answer began: cut off',
      );
      return reply;
    }
    if (!(error instanceof GenerationFailure)) throw error;
    reply.header('X-Generation-Id', error.generationId);
    if (error.attempts.length > 0) reply.header('X-ImageRouter-Attempts', formatAttemptsHeader(error.attempts));
    throw error.error;
  } finally {
    disconnect.dispose();
    if (lease !== undefined) releaseOnClose(reply, lease);
  }
}

/**
 * The answer's buffers go back once the response is over: the run has settled (this handler
 * awaited it) and the connection no longer sends them. `close` comes after the last write
 * completed, or after the socket was destroyed and its pending writes dropped.
 */
function releaseOnClose(reply: FastifyReply, lease: ScratchLease): void {
  if (reply.raw.closed) lease.release();
  else reply.raw.once('close', () => lease.release());
}

function setSuccessHeaders(reply: FastifyReply, output: GenerationOutput, settings: HttpSettings): void {
  reply.header('X-Generation-Id', output.id).header('X-ImageRouter-Attempts', formatAttemptsHeader(output.attempts));
  if (output.deprecation !== undefined) reply.headers(deprecationHeaders(output.deprecation, settings.publicUrl));
  reply.code(200).header('cache-control', 'no-store').type('application/json; charset=utf-8');
}

/** 1-255 printable ASCII characters, as Stripe allows; absent means no idempotency. */
function readIdempotencyKey(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[\x20-\x7e]{1,255}$/.test(value)) {
    throw invalidParam(IDEMPOTENCY_HEADER, `${IDEMPOTENCY_HEADER} must be 1 to 255 printable ASCII characters.`);
  }
  return value;
}

/**
 * OpenAI's paths answer as OpenAI does: its GPT image models always return `b64_json`, so SDKs that
 * send no `response_format` (the Vercel AI SDK, OpenAI's own for `gpt-image-*`) read `b64_json`.
 * ImageRouter's `/v1/openai/images/*` keep the public service's default, `url`. An explicit
 * `response_format` always wins.
 */
function withPathDefaults(body: GenerationRequest, path: string | undefined): GenerationRequest {
  const openAIPath = path === '/v1/images/generations' || path === '/v1/images/edits';
  const given = body.fields['response_format'];
  if (!openAIPath || (given !== undefined && given !== null && given !== '')) return body;
  return { ...body, fields: { ...body.fields, response_format: 'b64_json' } };
}

/** Aborts when the client goes away before the response is complete. */
function abortOnClientClose(reply: FastifyReply): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new DOMException('The client closed the request.', 'AbortError'));
  };
  reply.raw.on('close', onClose);
  return { signal: controller.signal, dispose: () => reply.raw.off('close', onClose) };
}
