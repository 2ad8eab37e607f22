import type { Catalog } from '../catalog/catalog.js';
import type { ImageFetcher } from './fetch-input-images.js';
import type { GenerationAdmission } from './admit-generation.js';
import type { GenerationRecords } from '../accounts/generation-records.js';
import type { GenerationJobs } from '../accounts/generation-jobs.js';
import type { FreeUsageCaps } from '../accounts/free-usage-caps.js';
import type { FinishedImage, StoredImageRef } from '../domain/finished-image.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { RouterState } from '../routing/router-state.js';
import type { WebhookTargets } from './webhook-targets.js';

/** Everything the generation use case needs from the outside world, injected. */
export interface GenerationPorts {
  registry: ProviderRegistry;
  router: RouterState;
  records: GenerationRecords;
  clock: () => number;
  /**
   * Stores images of one generation; returns their keys and public URLs in order. Takes the images'
   * bytes before it first waits, so the caller may let go of the images as soon as it has called.
   */
  storeImages(generationId: string, images: readonly FinishedImage[]): Promise<StoredImageRef[]>;
  /** Downloads an upstream result URL through the guarded downloader. */
  downloadResult(url: string, provider: string, signal: AbortSignal): Promise<Buffer>;
  /** Daily caps on free-model generations; absent when none is configured (the default). */
  freeUsage?: FreeUsageCaps;
}

/** Generations that outlive their request (async mode, jobs): shutdown waits for them. */
export type BackgroundWork = Set<Promise<unknown>>;

/** What the whole use case needs: the generation's ports plus what resolve, check and fetch use. */
export interface UseCasePorts extends GenerationPorts {
  catalog: Catalog;
  imageFetcher: ImageFetcher;
  /** The caller key's requests-per-minute and concurrency limits. */
  admission: GenerationAdmission;
  /** `IMAGEROUTER_REQUEST_TIMEOUT_MS`: the deadline of every generation. */
  requestTimeoutMs: number;
  background: BackgroundWork;
  /** Checks a request's `webhook_url` (the account's secret, the address policy) before any work. */
  webhookTargets: WebhookTargets;
  /** Where async generations keep their requests for a takeover; absent, a dead process's async work is released instead. */
  jobs?: GenerationJobs;
}
