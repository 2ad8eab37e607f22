import { GatewayError, type GatewayClient } from './gateway-client';

/*
 * Running and reading generations. Every run is started in async mode (`Prefer: respond-async`)
 * and polled, so a slow provider never meets a proxy's idle timeout between browser and gateway.
 */

export interface GenerationAttempt {
  provider: string;
  model: string;
  outcome: 'success' | 'error' | 'skipped';
  durationMs: number;
  upstreamStatus?: number;
  message?: string;
}

/** The body of `GET /v1/generations/{id}`; items of `GET /v1/generations` are the same. */
export interface Generation {
  id: string;
  status: 'processing' | 'success' | 'error';
  model: string;
  created: number;
  finished: number | null;
  provider: string | null;
  cost: number | null;
  latency: number | null;
  response_format?: string | null;
  /** Not part of the contract today; shown when a gateway adds it. */
  prompt?: string | null;
  data?: Array<{ url: string; revised_prompt: string | null }>;
  error?: { message: string; type: string; code?: string; param?: string; status: number };
  warnings: unknown[];
  attempts: GenerationAttempt[];
}

export interface ImageRequest {
  model: string;
  prompt: string;
  size: string;
  quality: string;
  output_format: string;
  n: number;
  /** Input images: with any, the request is an edit (multipart). */
  images: File[];
  /** PNG whose transparent pixels mark the area to edit; only with images. */
  mask: Blob | null;
}

export async function startGeneration(client: GatewayClient, request: ImageRequest, signal?: AbortSignal): Promise<string> {
  const headers = { prefer: 'respond-async' };
  const fields: Record<string, string> = {
    model: request.model,
    prompt: request.prompt,
    size: request.size,
    quality: request.quality,
    output_format: request.output_format,
    n: String(request.n),
    response_format: 'url',
  };
  let started: { id: string };
  if (request.images.length === 0) {
    started = await client.request('POST', '/v1/openai/images/generations', {
      json: { ...fields, n: request.n },
      headers,
      ...(signal ? { signal } : {}),
    });
  } else {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    for (const image of request.images) form.append('image[]', image, image.name);
    if (request.mask !== null) form.append('mask', request.mask, 'mask.png');
    started = await client.request('POST', '/v1/openai/images/edits', { form, headers, ...(signal ? { signal } : {}) });
  }
  return started.id;
}

export function fetchGeneration(client: GatewayClient, id: string, signal?: AbortSignal): Promise<Generation> {
  return client.request('GET', `/v1/generations/${encodeURIComponent(id)}`, signal ? { signal } : {});
}

const POLL_INTERVAL_MS = 1000;

/** Polls until the generation has finished; a failed one throws its error as the gateway worded it. */
export async function waitForGeneration(client: GatewayClient, id: string, signal?: AbortSignal): Promise<Generation> {
  for (;;) {
    const generation = await fetchGeneration(client, id, signal);
    if (generation.status === 'error') {
      const error = generation.error;
      throw new GatewayError(
        error?.message ?? 'The generation failed.',
        error?.status ?? 500,
        error?.type ?? 'error',
        error?.code,
        error?.param,
      );
    }
    if (generation.status !== 'processing') return generation;
    await delay(POLL_INTERVAL_MS, signal);
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new DOMException('Aborted', 'AbortError'));
      },
      { once: true },
    );
  });
}

export interface GenerationPage {
  data: Generation[];
  next_cursor: string | null;
}

export type GenerationStatusFilter = '' | Generation['status'];

export function listGenerations(
  client: GatewayClient,
  cursor: string | null,
  status: GenerationStatusFilter,
  signal?: AbortSignal,
): Promise<GenerationPage> {
  return client.request('GET', '/v1/generations', { query: { limit: 24, cursor, status }, ...(signal ? { signal } : {}) });
}

/** A warning as a sentence: the gateway sends strings or `{message}` objects. */
export function warningText(warning: unknown): string {
  if (typeof warning === 'string') return warning;
  if (warning !== null && typeof warning === 'object' && 'message' in warning) return String((warning as { message: unknown }).message);
  return JSON.stringify(warning);
}

/** Attempts as the `X-ImageRouter-Attempts` header writes them: `provider=ok;60ms`. */
export function attemptsText(attempts: GenerationAttempt[]): string {
  if (attempts.length === 0) return '–';
  return attempts
    .map((attempt) => {
      const outcome =
        attempt.outcome === 'success' ? 'ok' : attempt.outcome === 'skipped' ? 'skipped' : (attempt.upstreamStatus ?? 'error');
      return `${attempt.provider}=${outcome};${attempt.durationMs}ms`;
    })
    .join(', ');
}
