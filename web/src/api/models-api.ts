import type { GatewayClient } from './gateway-client';

/*
 * The catalog as the dashboard needs it: `/v1/models` carries capabilities, routes and
 * availability; `/v2/models` carries the price range per image. One fetch of each, joined by id.
 */

export interface PriceRange {
  min: number;
  average: number;
  max: number;
}

export type RoutePricing =
  | { type: 'fixed'; basis: 'fixed'; value: number }
  | { type: 'calculated' | 'post_generation'; basis: 'table' | 'tokens' | 'upstream' | 'gpu_seconds'; range: PriceRange };

export interface ModelCapabilities {
  edit: boolean;
  mask: boolean;
  max_input_images: number;
  sizes: string[] | null;
  size_range: { min: number; max: number };
  qualities: string[];
  max_n: number;
  parameters: string[];
  /** `[svg]` for a vector model; raster models list png, jpeg and webp. */
  output_formats: string[];
}

/** A `/v1/models` entry. */
interface ModelEntryV1 {
  name?: string;
  description?: string;
  providers: Array<{ id: string; model_name: string; pricing: RoutePricing | null }>;
  release_date: string;
  output: string[];
  aliases: string[];
  available: boolean;
  status: 'active' | 'retired';
  retired_message?: string;
  capabilities: ModelCapabilities;
}

interface ModelEntryV2 {
  id: string;
  price: PriceRange | null;
}

export interface CatalogModel extends ModelEntryV1 {
  id: string;
  /** USD per image; null when no route has a price (then it is never routed). */
  price: PriceRange | null;
}

function join(id: string, entry: ModelEntryV1, price: PriceRange | null): CatalogModel {
  return { ...entry, id, price };
}

export async function fetchCatalog(client: GatewayClient, signal?: AbortSignal): Promise<CatalogModel[]> {
  const options = signal ? { signal } : {};
  const [v1, v2] = await Promise.all([
    client.request<Record<string, ModelEntryV1>>('GET', '/v1/models', options),
    client.request<ModelEntryV2[]>('GET', '/v2/models', options),
  ]);
  const prices = new Map(v2.map((entry) => [entry.id, entry.price]));
  return Object.entries(v1).map(([id, entry]) => join(id, entry, prices.get(id) ?? null));
}

/** Ids contain slashes: each segment is encoded, the slashes kept (the gateway takes both). */
export function modelPath(id: string): string {
  return id.split('/').map(encodeURIComponent).join('/');
}

export async function fetchModel(client: GatewayClient, id: string, signal?: AbortSignal): Promise<CatalogModel> {
  const options = signal ? { signal } : {};
  const [v1, v2] = await Promise.all([
    client.request<ModelEntryV1>('GET', `/v1/models/${modelPath(id)}`, options),
    client.request<ModelEntryV2>('GET', `/v2/models/${modelPath(id)}`, options),
  ]);
  return join(id, v1, v2.price);
}

/** `GET /v1/models/{id}/routes`: each route as the router sees it, with its provider's health. */
export interface ModelRoute {
  provider: string;
  upstream_model: string;
  configured: boolean;
  price: { min: number; max: number } | null;
  breaker: 'closed' | 'open' | 'half_open' | null;
  error_rate: number | null;
  p50_latency_ms: number | null;
  recent_calls: number | null;
}

export function fetchModelRoutes(
  client: GatewayClient,
  id: string,
  signal?: AbortSignal,
): Promise<{ model: string; routes: ModelRoute[] }> {
  return client.request('GET', `/v1/models/${modelPath(id)}/routes`, signal ? { signal } : {});
}
