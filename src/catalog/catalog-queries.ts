import type { Catalog } from './catalog.js';
import type { ModelAvailability } from './resolved-model.js';

/** What the catalog endpoints read: the models, which of them can be served here, and recent use. */
export interface CatalogQueries {
  catalog: Catalog;
  /** Active with a priced route whose provider is configured on this gateway. */
  availability: ModelAvailability;
  /** Successful generations per model over the popularity window, most used first. */
  recentUsage(): Promise<Array<{ model: string; count: number }>>;
}
