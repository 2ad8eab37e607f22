import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { GenerationFailure } from '../../generation/generate-images.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { message: string; type: string; param?: string; code?: string; status?: number };
}

export function errorBody(error: ApiError, includeStatus = false): ErrorBody {
  return {
    error: {
      message: error.message,
      type: error.type,
      ...(error.param ? { param: error.param } : {}),
      ...(error.code ? { code: error.code } : {}),
      ...(includeStatus ? { status: error.status } : {}),
    },
  };
}

/** Maps anything thrown to an `ApiError`: the one place where errors get their HTTP meaning. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof GenerationFailure) return error.error;
  const fastifyError = error as Partial<FastifyError> & { code?: string };
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError({
        kind: 'invalid_request',
        param: 'body',
        code: 'invalid_json',
        message: `Malformed JSON body: ${fastifyError.message ?? 'could not parse'}`,
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError({
        kind: 'invalid_request',
        status: 413,
        param: 'body',
        code: 'body_too_large',
        message: 'The request body is too large.',
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError({
        kind: 'invalid_request',
        status: 415,
        param: 'body',
        code: 'unsupported_media_type',
        message: 'Unsupported Content-Type: send application/json or multipart/form-data.',
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError({ kind: 'invalid_request', param: 'body', message: 'The Content-Length does not match the body.' });
    case 'FST_ERR_VALIDATION':
      return new ApiError({ kind: 'invalid_request', message: fastifyError.message ?? 'Invalid request' });
    default:
      break;
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError({ kind: 'invalid_request', status, message: fastifyError.message ?? 'Bad request' });
  }
  return new ApiError({ kind: 'internal', message: 'Internal server error', cause: error });
}

/** Sends an error response, or a body with `status` when a heartbeat already committed a 200. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const apiError = toApiError(error);
  if (apiError.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ status: apiError.status, errorType: apiError.type, param: apiError.param }, 'request rejected');
  if (apiError.headers !== undefined) reply.headers(apiError.headers);
  if (apiError.retryAfterMs !== undefined) reply.header('Retry-After', String(Math.max(1, Math.ceil(apiError.retryAfterMs / 1000))));
  return reply.code(apiError.status).type('application/json').send(errorBody(apiError));
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        message: `Unknown endpoint: ${request.method} ${request.url.split('?')[0]}`,
        type: 'invalid_request_error',
        code: 'not_found',
      },
    }),
  );
}
