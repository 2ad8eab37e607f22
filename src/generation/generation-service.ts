import type { GenerationLookup } from '../accounts/account-services.js';
import type { GenerationRecord } from '../accounts/generation-repository.js';
import type { WebhookDeliveryRecord, WebhookOutbox } from '../accounts/webhook-outbox.js';
import type { GenerationOutput } from './generate-images.js';
import type { UseCasePorts } from './generation-ports.js';
import {
  runIdempotentGeneration,
  startIdempotentGeneration,
  type IdempotencyPorts,
  type IdempotentOutput,
  type IdempotentRunInput,
  type IdempotentStartInput,
} from './idempotent-generation.js';
import { runGeneration, type RunGenerationInput } from './run-generation.js';
import { startGeneration, type StartGenerationInput } from './start-generation.js';

/** The use case as entry points call it: run it, start it in the background, read a record back. */
export interface GenerationService {
  run(input: RunGenerationInput): Promise<GenerationOutput>;
  /** `run` under an `Idempotency-Key`: the first result is replayed to later requests with the same key. */
  runIdempotent(input: IdempotentRunInput): Promise<IdempotentOutput>;
  /** `start` under an `Idempotency-Key`: a replay gets the first request's generation id. */
  startIdempotent(input: IdempotentStartInput): Promise<{ id: string; replayed: boolean }>;
  /** Async mode: resolves with the id once the generation is recorded and its credits held. */
  start(input: StartGenerationInput): Promise<string>;
  get(id: string): Promise<GenerationRecord | undefined>;
  list: GenerationLookup['list'];
  /** The webhook delivery of a generation, once it finished (only requests with `webhook_url` have one). */
  webhookDelivery(generationId: string): Promise<WebhookDeliveryRecord | undefined>;
  /** Deletes a generation's stored images (files or bucket objects) and its prompt; resolves with how many images went. */
  eraseImages(generationId: string): Promise<number>;
}

export function createGenerationService(
  ports: UseCasePorts,
  lookup: GenerationLookup,
  idempotency: IdempotencyPorts,
  deliveries: Pick<WebhookOutbox, 'forGeneration'>,
  eraseImages: (generationId: string) => Promise<number>,
): GenerationService {
  return {
    run: (input) => runGeneration(ports, input),
    runIdempotent: (input) => runIdempotentGeneration(ports, idempotency, input),
    startIdempotent: (input) => startIdempotentGeneration(ports, idempotency, input),
    start: (input) => startGeneration(ports, input),
    get: (id) => lookup.get(id),
    list: (filters, page) => lookup.list(filters, page),
    webhookDelivery: (generationId) => deliveries.forGeneration(generationId),
    eraseImages,
  };
}
