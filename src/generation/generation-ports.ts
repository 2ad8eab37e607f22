import type { ApiError } from '../errors/api-error.js';
import type { FinishedImage, StoredImageRef } from '../domain/finished-image.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { RouterState } from '../routing/router-state.js';
import type { Attempt } from '../domain/attempt.js';
import type { GenerationWarning, ImageRequest } from '../domain/image-request.js';

/** Where the use case records what happened; implemented over the database by `accounts/`. */
export interface GenerationRecords {
  start(input: { id: string; accountId: string; apiKeyId: string; request: ImageRequest; reservedMicros: number; createdAt: number }): Promise<void>;
  reserve(input: { accountId: string; generationId: string; amountMicros: number }): Promise<boolean>;
  release(input: { accountId: string; generationId: string; reservedMicros: number }): Promise<void>;
  succeed(input: {
    id: string;
    model: string;
    accountId: string;
    reservedMicros: number;
    costMicros: number;
    provider: string;
    route: string;
    latencyMs: number;
    imageCount: number;
    outputIds: string[];
    warnings: GenerationWarning[];
    attempts: Attempt[];
    finishedAt: number;
  }): Promise<void>;
  fail(input: { id: string; model: string; error: ApiError; attempts: Attempt[]; finishedAt: number }): Promise<void>;
}

/** Everything the generation use case needs from the outside world, injected. */
export interface GenerationPorts {
  registry: ProviderRegistry;
  router: RouterState;
  records: GenerationRecords;
  clock: () => number;
  /** Stores images of one generation; returns their keys and public URLs in order. */
  storeImages(generationId: string, images: FinishedImage[]): Promise<StoredImageRef[]>;
  /** Downloads an upstream result URL through the guarded downloader. */
  downloadResult(url: string, provider: string, signal: AbortSignal): Promise<Buffer>;
}
