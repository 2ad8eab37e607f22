import { loadAppConfig } from '../config/app-config.js';
import type { Catalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load-catalog.js';
import type { ResolvedModel } from '../catalog/resolved-model.js';
import { errorText } from '../providers/common/upstream-error-from-response.js';
import { createBuiltInAdapters } from '../providers/built-in-providers.js';
import type { ImageProvider, ProviderEndpoint, UpstreamModelList } from '../providers/provider.js';
import { resolveProviderInstances, type ProviderInstance } from '../providers/provider-instances.js';
import { usageError } from './cli-exit-error.js';
import { looksLikeImageModel } from './looks-like-image-model.js';

const CHECK_TIMEOUT_MS = 30_000;
/** Per-model checks (Replicate) run this many at a time: polite to the upstream, quick enough for a catalog. */
const PER_MODEL_CONCURRENCY = 4;

/** A catalog model and the name its route on this instance gives the upstream. */
export interface CatalogRouteRef {
  model: string;
  upstream_model: string;
}

export interface DeprecatedRoute extends CatalogRouteRef {
  deprecated_on: string | null;
  retires_on: string | null;
  successor: string | null;
}

export interface InstanceCheck {
  instance: string;
  adapter: string;
  /** `checked`: the upstream answered; `unknown`: it has no way to tell; `failed`: it could not be asked. */
  status: 'checked' | 'unknown' | 'failed';
  /** The request that answered (`GET /v1/models`, `GET /models/{owner}/{name} per model`), or why not. */
  detail: string;
  /** Catalog routes (of models not retired) whose upstream model the upstream does not serve. */
  missing: CatalogRouteRef[];
  deprecated: DeprecatedRoute[];
  retired: DeprecatedRoute[];
  /** Image models the upstream serves that no catalog route on this instance names. */
  added: string[];
  /** Catalog routes this upstream cannot confirm either way. */
  unknown: CatalogRouteRef[];
}

export interface ModelsCheckReport {
  /** `YYYY-MM-DD` (UTC): the day lifecycle dates were judged against. */
  date: string;
  instances: InstanceCheck[];
}

export interface ModelsCheckOptions {
  /** Only this instance (`--provider`). */
  provider?: string | undefined;
  adapters?: ImageProvider[];
  /** Today, for lifecycle dates (tests fix it). */
  clock?: () => number;
  /** The built-in models folder (tests bring a small catalog). */
  catalogDir?: string;
}

/**
 * `imagerouter models check`: asks every configured provider instance which of its catalog models
 * it still serves, the way `doctor` probes them (config and catalog from disk, no gateway).
 */
export async function checkCatalogModels(env: NodeJS.ProcessEnv, options: ModelsCheckOptions = {}): Promise<ModelsCheckReport> {
  const adapters = options.adapters ?? createBuiltInAdapters();
  const clock = options.clock ?? Date.now;
  const config = loadAppConfig(env);
  const catalog = loadCatalog({
    ...(config.configFile ? { configFile: config.configFile } : {}),
    ...(options.catalogDir ? { builtinDir: options.catalogDir } : {}),
    clock,
  });
  const instances = resolveProviderInstances(env, catalog.config.providers, config.configFile);
  let chosen = instances.filter((instance) => instance.configured);
  if (options.provider !== undefined) {
    const named = instances.find((instance) => instance.id === options.provider);
    if (!named) throw usageError(`unknown provider instance '${options.provider}' (known: ${instances.map((i) => i.id).join(', ')})`);
    if (!named.configured) throw usageError(`provider instance '${named.id}' is not configured: set ${named.missing ?? 'its key'}`);
    chosen = [named];
  }
  const checks = await Promise.all(chosen.map((instance) => checkInstance(instance, adapters, catalog)));
  return { date: new Date(clock()).toISOString().slice(0, 10), instances: checks };
}

async function checkInstance(instance: ProviderInstance, adapters: ImageProvider[], catalog: Catalog): Promise<InstanceCheck> {
  const routes = routesOf(instance.id, catalog);
  const check: InstanceCheck = {
    instance: instance.id,
    adapter: instance.adapter,
    status: 'unknown',
    detail: '',
    missing: [],
    deprecated: [],
    retired: [],
    added: [],
    unknown: [],
  };
  for (const { model, ref } of routes) {
    const lifecycle = catalog.lifecycle(model);
    const dated = { ...ref, deprecated_on: lifecycle.deprecatedOn, retires_on: lifecycle.retiresOn, successor: lifecycle.successor };
    if (lifecycle.state === 'retired') check.retired.push(dated);
    if (lifecycle.state === 'deprecated') check.deprecated.push(dated);
  }
  // A retired model's upstream going away is expected, not news.
  const live = routes.filter(({ model }) => catalog.lifecycle(model).state !== 'retired').map(({ ref }) => ref);
  const adapter = adapters.find((candidate) => candidate.id === instance.adapter);
  const endpoint: ProviderEndpoint = {
    instance: instance.id,
    baseUrl: instance.baseUrl ?? '',
    apiKey: instance.apiKeys[0],
    keyIndex: 0,
    settings: instance.settings,
  };
  const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
  try {
    if (adapter?.listModels) {
      const list = await adapter.listModels(endpoint, signal);
      applyList(
        check,
        list,
        live,
        routes.map(({ ref }) => ref.upstream_model),
      );
    } else if (adapter?.hasModel) {
      const hasModel = adapter.hasModel.bind(adapter);
      await applyPerModel(check, live, (upstreamModel) => hasModel(endpoint, upstreamModel, signal));
    } else {
      check.detail = `the '${instance.adapter}' adapter has no way to list or look up models`;
      check.unknown = live;
    }
  } catch (error) {
    check.status = 'failed';
    check.detail = errorText(error, instance.apiKeys);
    check.unknown = live;
  }
  return check;
}

function routesOf(instanceId: string, catalog: Catalog): Array<{ model: ResolvedModel; ref: CatalogRouteRef }> {
  return catalog
    .all()
    .flatMap((model) =>
      model.routes
        .filter((route) => route.provider === instanceId)
        .map((route) => ({ model, ref: { model: model.id, upstream_model: route.model } })),
    );
}

function applyList(check: InstanceCheck, list: UpstreamModelList, live: CatalogRouteRef[], named: string[]): void {
  if (list.kind === 'unknown') {
    check.detail = list.reason;
    check.unknown = live;
    return;
  }
  check.status = 'checked';
  check.detail = list.source;
  const served = new Set(list.models.flatMap((model) => [model.id, ...(model.aliases ?? [])]));
  check.missing = live.filter((ref) => !served.has(ref.upstream_model));
  const known = new Set(named);
  check.added = list.models
    .filter((model) => (model.image ?? looksLikeImageModel(model.id)) && ![model.id, ...(model.aliases ?? [])].some((id) => known.has(id)))
    .map((model) => model.id)
    .sort();
}

async function applyPerModel(
  check: InstanceCheck,
  live: CatalogRouteRef[],
  hasModel: (upstreamModel: string) => Promise<boolean | undefined>,
): Promise<void> {
  const upstreamModels = [...new Set(live.map((ref) => ref.upstream_model))];
  const answers = new Map<string, boolean | undefined>();
  let next = 0;
  const worker = async () => {
    while (next < upstreamModels.length) {
      const upstreamModel = upstreamModels[next++]!;
      answers.set(upstreamModel, await hasModel(upstreamModel));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PER_MODEL_CONCURRENCY, upstreamModels.length) }, worker));
  check.status = 'checked';
  check.detail = `one lookup per catalog model (${upstreamModels.length})`;
  check.missing = live.filter((ref) => answers.get(ref.upstream_model) === false);
  check.unknown = live.filter((ref) => answers.get(ref.upstream_model) === undefined);
}
