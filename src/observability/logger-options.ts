import type { FastifyServerOptions } from 'fastify';

/**
 * Paths that may hold secrets or image data. Keys in headers and query strings, base64 payloads
 * and prompts of ephemeral requests must never reach a log line.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers.cookie',
  // Headers logged under other names, e.g. @fastify/multipart's `busboyOptions` at trace level.
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers["api-key"]',
  '*.headers.cookie',
  'headers.authorization',
  'authorization',
  'apiKey',
  'api_key',
  'key',
  'token',
  '*.apiKey',
  '*.api_key',
  '*.b64_json',
  '*.image',
  '*.mask',
  'b64_json',
];

/** Query parameters that must be masked when a URL is logged. */
const SECRET_QUERY = /([?&](?:key|api_key|apikey|token|access_token|sig|signature)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]');
}

export function loggerOptions(level: string, stream?: { write(line: string): void }): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream === undefined ? {} : { stream }),
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    serializers: {
      req(request: { method: string; url: string; ip?: string; id?: string }) {
        return { id: request.id, method: request.method, url: redactUrl(request.url), ip: request.ip };
      },
    },
  };
}
