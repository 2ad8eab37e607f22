import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { DashboardAsset, DashboardAssets } from '../dashboard-assets.js';

/** The dashboard's client-side paths: each answers index.html, and the app routes in the browser. */
export const DASHBOARD_PATHS = ['/', '/sign-in', '/models', '/models/*', '/playground', '/history', '/usage', '/keys', '/admin'];

/**
 * Only the gateway itself: no CDN, no inline scripts. Images may be data:/blob: (previews of
 * uploads and the mask being painted) or hosted here.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The web dashboard (`web/`, built into `web/dist`): index.html for its paths (never cached, so a
 * new build is picked up at once) and hashed assets cached for a year. API routes are registered
 * on their own paths and keep priority; an unknown path is still the JSON 404.
 */
export const dashboardRoutes: FastifyPluginAsync<{ assets: DashboardAssets }> = async (app, { assets }) => {
  const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    if (assets.index === undefined) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(`The dashboard is not built (no ${assets.dir}). Run \`npm run build\`; the API works without it.`);
    }
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');
    return sendAsset(request, reply, assets.index);
  };
  for (const url of DASHBOARD_PATHS) app.get(url, sendIndex);

  for (const [url, asset] of assets.files) {
    // Vite names everything under /assets/ by content hash: safe to cache forever.
    const cacheControl = url.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600';
    app.get(url, async (request, reply) => {
      reply.header('cache-control', cacheControl).header('x-content-type-options', 'nosniff');
      return sendAsset(request, reply, asset);
    });
  }
};

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: DashboardAsset): FastifyReply {
  reply.type(asset.contentType).header('vary', 'accept-encoding');
  const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  const gzip = acceptsGzip ? asset.gzip() : undefined;
  if (gzip !== undefined) return reply.header('content-encoding', 'gzip').send(gzip);
  return reply.send(asset.body);
}
