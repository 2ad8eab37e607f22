import type { GenerationRecord } from '../accounts/generation-repository.js';
import type { WebhookAttempt, WebhookDeliveryRecord } from '../accounts/webhook-outbox.js';
import { microsToUsd } from '../domain/money.js';

/** The `webhook` member of a generation: null when the request asked for none. */
export interface GenerationWebhookView {
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: WebhookAttempt[];
  /** Epoch ms of the next attempt; null once delivered or failed, and until the generation finishes. */
  next_attempt_at: number | null;
}

/**
 * A generation as its owner sees it: status, cost, attempts, and once finished the hosted images
 * (async mode's result) or the error with the status it would have had. `GET /v1/generations/{id}`
 * answers it, and a webhook POSTs it, so both say the same. `imageUrls` are the hosted URLs of its
 * images (`HostedImageUrls.ofGeneration`).
 */
export function generationBody(generation: GenerationRecord, delivery: WebhookDeliveryRecord | undefined, imageUrls: readonly string[]) {
  return {
    id: generation.id,
    object: 'image.generation',
    status: generation.status,
    model: generation.model,
    // The owner's own prompt; null when it asked for b64_ephemeral (nothing of it is kept).
    prompt: generation.prompt,
    created: generation.createdAt,
    finished: generation.finishedAt,
    provider: generation.provider,
    cost: microsToUsd(generation.costMicros),
    latency: generation.latencyMs,
    response_format: generation.responseFormat,
    ...(generation.status === 'success' ? { data: imageUrls.map((url) => ({ revised_prompt: null, url })) } : {}),
    ...(generation.status === 'error'
      ? {
          error: {
            message: generation.errorMessage ?? 'The generation failed.',
            type: generation.errorType ?? 'internal_error',
            ...(generation.errorCode !== null ? { code: generation.errorCode } : {}),
            ...(generation.errorParam !== null ? { param: generation.errorParam } : {}),
            status: generation.httpStatus ?? 500,
          },
        }
      : {}),
    warnings: generation.warnings,
    attempts: generation.attempts,
    webhook: webhookView(generation, delivery),
  };
}

function webhookView(generation: GenerationRecord, delivery: WebhookDeliveryRecord | undefined): GenerationWebhookView | null {
  if (delivery !== undefined) {
    return { url: delivery.url, status: delivery.status, attempts: delivery.attempts, next_attempt_at: delivery.nextAttemptAt };
  }
  if (generation.webhookUrl == null) return null;
  // Still running: the delivery is queued when it finishes.
  return { url: generation.webhookUrl, status: 'pending', attempts: [], next_attempt_at: null };
}
