import { z } from 'zod';
import type { ProviderEndpoint } from '../provider.js';
import { routerSettingsSchema } from '../provider-definition.js';

/**
 * Where and how to call a Google model, shared by the `gemini` (`:generateContent`) and `imagen`
 * (`:predict`) adapters. Two URL forms exist:
 *
 * - Gemini Developer API: base `https://generativelanguage.googleapis.com/v1beta`, key in the
 *   `x-goog-api-key` header.
 * - Vertex AI: base `https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/publishers/google`
 *   (with or without a trailing `/models`), `Authorization: Bearer <OAuth access token>`.
 *
 * The key never goes into the query string (`?key=` also works upstream, but URLs end up in logs
 * and error messages: the public service's weakness W18).
 */

/** How an endpoint authenticates: Developer API key header, or an OAuth bearer token (Vertex). */
export type GoogleAuthScheme = 'api_key' | 'bearer';

/** Instance settings of the Gemini and Imagen providers (both speak to the same Google endpoints). */
export const googleSettingsSchema = routerSettingsSchema.extend({
  /** Vertex AI (Bearer token, project-scoped URLs) or the Developer API; default: by the base URL's shape. */
  vertex: z.boolean().optional(),
  /** Overrides the credential header (Vertex "express mode" takes an API key). */
  auth: z.enum(['api_key', 'bearer']).optional(),
  /** The model Vertex probes count tokens on. */
  probe_model: z.string().min(1).optional(),
});
export type GoogleSettings = z.infer<typeof googleSettingsSchema>;

/** A Vertex base URL ends in `/publishers/google` or `/publishers/google/models`. */
const VERTEX_BASE_PATH = /\/publishers\/google(\/models)?$/;

/**
 * Vertex when `settings.vertex` says so; without the setting, when the base URL has Vertex's shape.
 * An explicit `vertex: false` wins over the shape (a proxy could mimic the path).
 */
export function isVertexEndpoint(endpoint: Pick<ProviderEndpoint<GoogleSettings>, 'baseUrl' | 'settings'>): boolean {
  return endpoint.settings.vertex ?? VERTEX_BASE_PATH.test(pathOf(endpoint.baseUrl));
}

/**
 * Bearer for Vertex, the key header for the Developer API; `settings.auth` overrides it (Vertex
 * "express mode" takes an API key in `x-goog-api-key` too).
 */
export function googleAuthScheme(endpoint: Pick<ProviderEndpoint<GoogleSettings>, 'baseUrl' | 'settings'>): GoogleAuthScheme {
  return endpoint.settings.auth ?? (isVertexEndpoint(endpoint) ? 'bearer' : 'api_key');
}

/** The credential header of a call; none when the instance has no key (the upstream then answers 401/403). */
export function googleAuthHeaders(
  endpoint: Pick<ProviderEndpoint<GoogleSettings>, 'baseUrl' | 'settings' | 'apiKey'>,
): Record<string, string> {
  if (!endpoint.apiKey) return {};
  return googleAuthScheme(endpoint) === 'bearer' ? { authorization: `Bearer ${endpoint.apiKey}` } : { 'x-goog-api-key': endpoint.apiKey };
}

/** `{base}/models` whichever form the operator wrote the base URL in. */
export function googleModelsUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/models') ? trimmed : `${trimmed}/models`;
}

/** `{base}/models/{model}:{method}`, e.g. `.../models/gemini-2.5-flash-image:generateContent`. */
export function googleModelUrl(baseUrl: string, model: string, method: 'generateContent' | 'predict' | 'countTokens'): string {
  return `${googleModelsUrl(baseUrl)}/${encodeURIComponent(model)}:${method}`;
}

function pathOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).pathname.replace(/\/+$/, '');
  } catch {
    return baseUrl.replace(/\/+$/, '');
  }
}
