import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { GenerationFailure, generateImages, type GenerateImagesInput } from '../../generation/generate-images.js';
import { formatAttemptsHeader } from '../format-attempts-header.js';
import { readImageBody } from '../read-image-body.js';
import { parseImageRequest } from '../parse-image-request.js';
import { respondWithHeartbeat } from '../respond-with-heartbeat.js';
import { serializeImageResponse } from '../serialize-image-response.js';
import { authenticate } from '../plugins/authenticate.js';
import { invalidParam } from '../../errors/api-error.js';

/** Paths of the one unified image handler: ImageRouter's and OpenAI's. */
export const IMAGE_PATHS = [
  '/v1/openai/images/generations',
  '/v1/openai/images/edits',
  '/v1/images/generations',
  '/v1/images/edits',
] as const;

export async function imageRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { config } = context;
  app.addHook('onRequest', authenticate(context.findKey));
  // Only JSON and multipart are image requests: any other Content-Type (Fastify would parse
  // text/plain by default) is a 415, as the OpenAPI document says.
  app.removeContentTypeParser('text/plain');
  for (const url of IMAGE_PATHS) {
    app.post(url, { bodyLimit: config.maxRequestBytes }, (request, reply) => handleImageRequest(context, request, reply));
  }
}

async function handleImageRequest(context: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { config } = context;
  const startedAt = context.clock();
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new DOMException('The client closed the request.', 'AbortError'));
  };
  reply.raw.on('close', onClose);
  const deadlineTimer = setTimeout(
    () => controller.abort(new DOMException('The request deadline passed.', 'TimeoutError')),
    config.requestTimeoutMs,
  );
  const auth = request.auth;
  // Async mode hands the generation over to the background; then the deadline timer stays.
  let detached = false;
  try {
    if (!auth) throw new Error('image route reached without authentication');
    const raw = await readImageBody(request, { maxImageBytes: config.maxImageBytes, maxRequestBytes: config.maxRequestBytes });
    const parsed = await parseImageRequest(raw, context.catalog, {
      policy: context.policy,
      maxBytes: config.maxImageBytes,
      maxInputBytes: config.maxInputBytes,
      timeoutMs: config.downloadTimeoutMs,
      signal: controller.signal,
    });
    const asyncMode = /\brespond-async\b/i.test(String(request.headers['prefer'] ?? ''));
    if (asyncMode && parsed.request.responseFormat === 'b64_ephemeral') {
      throw invalidParam('response_format', "'b64_ephemeral' keeps nothing, so it can't be fetched later: use 'url' or 'b64_json' with Prefer: respond-async.");
    }
    const caller = { accountId: auth.accountId, apiKeyId: auth.apiKeyId };
    // Wall-clock time: adapters compare it with Date.now() while polling.
    const generation = { ...parsed, caller, signal: controller.signal, deadline: Date.now() + config.requestTimeoutMs, startedAt };
    if (asyncMode) {
      const id = await startInBackground(context, request, generation, () => clearTimeout(deadlineTimer));
      // From here the work belongs to nobody's connection: only the deadline stops it.
      reply.raw.off('close', onClose);
      detached = true;
      const location = `${config.publicUrl}/v1/generations/${id}`;
      return reply
        .code(202)
        .header('X-Generation-Id', id)
        .header('Location', location)
        .header('cache-control', 'no-store')
        .send({ id, object: 'image.generation', status: 'processing', created: startedAt, url: location });
    }
    const work = generateImages(context.ports, generation);
    const outcome = await respondWithHeartbeat(request, reply, work, { delayMs: config.heartbeatDelayMs, intervalMs: config.heartbeatIntervalMs }, {
      toBody: serializeImageResponse,
      onError: (error) => request.log.warn({ err: error instanceof GenerationFailure ? error.error : error }, 'generation failed after heartbeat'),
    });
    if (outcome.kind === 'streamed') return reply;
    const output = outcome.value;
    reply.header('X-Generation-Id', output.id);
    reply.header('X-ImageRouter-Attempts', formatAttemptsHeader(output.attempts));
    return reply.code(200).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(serializeImageResponse(output));
  } catch (error) {
    if (error instanceof GenerationFailure) {
      reply.header('X-Generation-Id', error.generationId);
      if (error.attempts.length > 0) reply.header('X-ImageRouter-Attempts', formatAttemptsHeader(error.attempts));
      throw error.error;
    }
    throw error;
  } finally {
    if (!detached) {
      clearTimeout(deadlineTimer);
      reply.raw.off('close', onClose);
    }
  }
}

/**
 * Async mode: runs the generation detached from the request and resolves with its id once it is
 * recorded and its credits are held; failures before that point reject, with their real status.
 */
async function startInBackground(context: AppContext, request: FastifyRequest, generation: GenerateImagesInput, onSettled: () => void): Promise<string> {
  let recordedId: (id: string) => void = () => undefined;
  const recorded = new Promise<string>((resolve) => (recordedId = resolve));
  const work = generateImages(context.ports, { ...generation, onRecorded: (id) => recordedId(id) });
  const id = (await Promise.race([recorded, work.then(() => undefined)])) ?? (await recorded);
  const background = work
    .catch((error: unknown) => request.log.warn({ err: error instanceof GenerationFailure ? error.error : error, generationId: id }, 'async generation failed'))
    .finally(() => {
      onSettled();
      context.background.delete(background);
    });
  context.background.add(background);
  return id;
}
