import { CatalogError } from './catalog-error.js';
import { modelLifecycle, type ModelLifecycle } from './model-lifecycle.js';
import type { OperatorConfig } from './operator-config.js';
import type { ResolvedModel } from './resolved-model.js';

/**
 * The loaded catalog: every model in file order, looked up by id or alias. Ids are
 * case-sensitive, as in the public service (`xAI/...`, `HiDream-ai/...` are exact keys).
 */
export class Catalog {
  /** The operator config file's other sections, raw (validated by their own modules). */
  readonly config: OperatorConfig;
  private readonly models: readonly ResolvedModel[];
  private readonly byId = new Map<string, ResolvedModel>();
  private readonly aliasToId = new Map<string, string>();

  /** Today, for the models' lifecycle dates (tests fix it). */
  private readonly clock: () => number;

  constructor(models: readonly ResolvedModel[], config: OperatorConfig = { file: undefined }, clock: () => number = Date.now) {
    this.models = models;
    this.config = config;
    this.clock = clock;
    for (const model of models) {
      if (this.byId.has(model.id)) throw collision(model, `duplicate id '${model.id}'`);
      this.byId.set(model.id, model);
    }
    for (const model of models) {
      for (const alias of model.aliases) {
        if (this.byId.has(alias) || this.aliasToId.has(alias)) throw collision(model, `alias '${alias}' is already taken`);
        this.aliasToId.set(alias, model.id);
      }
    }
  }

  /** The model for an id or alias, or `undefined`. */
  get(idOrAlias: string): ResolvedModel | undefined {
    return this.byId.get(this.resolvedId(idOrAlias) ?? idOrAlias);
  }

  /** The canonical id for an id or alias (what logs, records and responses use), or `undefined`. */
  resolvedId(idOrAlias: string): string | undefined {
    if (this.byId.has(idOrAlias)) return idOrAlias;
    return this.aliasToId.get(idOrAlias);
  }

  /** The same catalog (config, clock) over other models: the route options bound, say. */
  withModels(models: readonly ResolvedModel[]): Catalog {
    return new Catalog(models, this.config, this.clock);
  }

  /** Where a model stands today: active, deprecated (served with a warning) or retired (410). */
  lifecycle(model: ResolvedModel): ModelLifecycle {
    return modelLifecycle(model, this.clock());
  }

  /** Every model, retired ones included, in file order (files by name, then their order inside). */
  all(): ResolvedModel[] {
    return [...this.models];
  }
}

/** The loader reports collisions with both files; this guards catalogs built by hand (tests). */
function collision(model: ResolvedModel, message: string): CatalogError {
  return new CatalogError([{ file: model.source, path: '', message }]);
}
