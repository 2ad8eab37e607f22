import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyScope } from '../../accounts/api-key-limits.js';
import type { ApiKeyService, Caller } from '../../accounts/api-key-service.js';
import { ApiError } from '../../errors/api-error.js';

/** Who is calling: resolved from the Bearer key on every request (never cached, so revocation is immediate). */
export type AuthContext = Caller;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` on authenticated routes; `null` elsewhere (declared with `decorateRequest`). */
    auth: AuthContext | null;
  }
}

export type FindKey = ApiKeyService['authenticate'];

/** Declares `request.auth` on the root instance, so every request object has the same shape. */
export function declareRequestAuth(app: FastifyInstance): void {
  app.decorateRequest('auth', null);
}

/** The authenticated caller of a route behind `authenticate`: its absence is a wiring bug, not a client error. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.auth) throw new Error(`${request.routeOptions.url ?? 'route'} reached without authentication`);
  return request.auth;
}

export function readBearerToken(header: string | undefined): string {
  if (!header || !header.startsWith('Bearer ')) {
    throw new ApiError({
      kind: 'authentication',
      message: 'Authorization header must be provided as Bearer token',
      code: 'missing_api_key',
    });
  }
  const token = header.slice('Bearer '.length).trim();
  if (token === '') {
    throw new ApiError({
      kind: 'authentication',
      message: 'Authorization header must be provided as Bearer token',
      code: 'missing_api_key',
    });
  }
  return token;
}

/**
 * An `onRequest` hook: runs before the body is read, so anonymous uploads are refused unread.
 * The key must carry every one of `scopes`: `generate` for the image endpoints and MCP, `read` for
 * generations and credits, `admin` for `/v1/admin/*`; none for what any valid key may read.
 */
export function authenticate(findKey: FindKey, ...scopes: ApiKeyScope[]) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = readBearerToken(request.headers.authorization);
    const auth = await findKey(token);
    if (!auth) throw new ApiError({ kind: 'authentication', message: 'Invalid API key', code: 'invalid_api_key' });
    const scope = scopes.find((needed) => !auth.scopes.includes(needed));
    if (scope !== undefined) {
      if (scope === 'admin') {
        throw new ApiError({ kind: 'permission', message: 'This endpoint needs an admin API key.', code: 'admin_required' });
      }
      throw new ApiError({
        kind: 'permission',
        code: 'missing_scope',
        message: `This API key lacks the '${scope}' scope that this endpoint needs (it has: ${auth.scopes.join(', ') || 'none'}).`,
      });
    }
    request.auth = auth;
  };
}
