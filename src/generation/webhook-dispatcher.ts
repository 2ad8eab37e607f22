import type { GenerationRecord } from '../accounts/generation-repository.js';
import type { ClaimedWebhookDelivery, WebhookAttempt, WebhookAttemptOutcome, WebhookOutbox } from '../accounts/webhook-outbox.js';
import type { PostWebhookResult } from '../net/post-webhook.js';
import type { HostedImageUrls } from '../storage/hosted-image-urls.js';
import { generationBody } from './generation-body.js';
import { nextWebhookAttemptAt, type WebhookRetrySchedule } from './webhook-retry-schedule.js';
import { WEBHOOK_DELIVERY_HEADER, WEBHOOK_SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

export interface WebhookDispatcherOptions {
  outbox: WebhookOutbox;
  generation(id: string): Promise<GenerationRecord | undefined>;
  /** The account's current signing secret. */
  secretOf(accountId: string): Promise<string | undefined>;
  /** The guarded POST (`net/post-webhook.ts`), its timeout included. */
  post(url: string, body: Buffer, headers: Record<string, string>): Promise<PostWebhookResult>;
  clock: () => number;
  /** Hosted image URLs in the body, made per delivery (a presigned one is fresh). */
  urls: HostedImageUrls;
  schedule: WebhookRetrySchedule;
  /** How often the outbox is searched for due deliveries. */
  pollIntervalMs: number;
  /** How long a claimed delivery is this dispatcher's; longer than a POST may take. */
  leaseMs: number;
  /** Deliveries sent at once. */
  batchSize?: number;
  /** A search or record that failed (the database); the next poll tries again. */
  onError?: (error: unknown) => void;
}

export interface WebhookDispatcher {
  /** Polls the outbox until `stop`. Calling it again does nothing. */
  start(): void;
  /** Stops polling and waits for the deliveries in flight. */
  stop(): Promise<void>;
  /** One search and the deliveries it claimed; resolves with how many were attempted. */
  runOnce(): Promise<number>;
}

const DEFAULT_BATCH_SIZE = 20;

/**
 * Sends the webhook outbox: claims due deliveries (a lease per row, so replicas never send the same
 * attempt twice), POSTs the finished generation signed with the account's secret, and records each
 * attempt with what follows it (delivered on 2xx, else the next try or, past the schedule, failed).
 */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const onError = options.onError ?? warnDispatchError;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  // Which start() a polling loop belongs to: a loop from before a stop() never reschedules itself.
  let loop = 0;

  const runOnce = (): Promise<number> =>
    (running ??= (async () => {
      const claims = await options.outbox.claimDue(options.clock(), batchSize, options.leaseMs);
      await Promise.all(claims.map((claim) => deliver(options, claim).catch(onError)));
      return claims.length;
    })().finally(() => (running = undefined)));

  const tick = (current: number): void => {
    runOnce()
      .catch((error: unknown) => {
        onError(error);
        return 0;
      })
      .then((count) => {
        if (stopped || current !== loop) return;
        // A full batch suggests more are due: go on at once rather than after a poll.
        timer = setTimeout(() => tick(current), count >= batchSize ? 0 : options.pollIntervalMs);
        timer.unref();
      });
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      loop += 1;
      tick(loop);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
    runOnce,
  };
}

async function deliver(options: WebhookDispatcherOptions, claim: ClaimedWebhookDelivery): Promise<void> {
  const [generation, secret] = await Promise.all([options.generation(claim.generationId), options.secretOf(claim.accountId)]);
  const at = options.clock();
  let result: PostWebhookResult;
  if (generation === undefined) {
    result = { status: null, error: 'the generation no longer exists' };
  } else if (secret === undefined) {
    result = { status: null, error: 'the account has no webhook secret: create one with POST /v1/webhooks/secret' };
  } else {
    const body = Buffer.from(JSON.stringify(generationBody(generation, claim, await options.urls.ofGeneration(generation))));
    result = await options.post(claim.url, body, {
      'content-type': 'application/json',
      [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, Math.floor(at / 1000), body),
      [WEBHOOK_DELIVERY_HEADER]: claim.id,
    });
  }
  const end = options.clock();
  const attempt: WebhookAttempt = { at, http_status: result.status, error: result.error, duration_ms: Math.max(0, end - at) };
  await options.outbox.recordAttempt(claim, attempt, outcomeOf(options.schedule, claim, attempt, end));
}

function outcomeOf(
  schedule: WebhookRetrySchedule,
  claim: ClaimedWebhookDelivery,
  attempt: WebhookAttempt,
  now: number,
): WebhookAttemptOutcome {
  if (attempt.http_status !== null && attempt.http_status >= 200 && attempt.http_status <= 299) return { status: 'delivered' };
  const next = nextWebhookAttemptAt(schedule, {
    failedAttempts: claim.attempts.length + 1,
    firstAttemptAt: claim.firstAttemptAt ?? attempt.at,
    now,
  });
  return next === undefined ? { status: 'failed' } : { status: 'pending', nextAttemptAt: next };
}

function warnDispatchError(error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  process.emitWarning(`Webhook dispatch failed: ${reason}`, { code: 'IMAGEROUTER_WEBHOOK_DISPATCH' });
}
