import type { ClaimedJob } from '../accounts/generation-jobs.js';
import { ApiError } from '../errors/api-error.js';
import { resumeImages } from './generate-images.js';
import type { UseCasePorts } from './generation-ports.js';
import type { GenerationRequest } from './generation-request.js';
import { planGeneration } from './plan-generation.js';
import { startRequestDeadline, type RequestDeadline } from './request-deadline.js';

/** How often one async generation is taken over before it is given up (its requests may be what kills processes). */
export const MAX_TAKEOVERS = 2;

/**
 * Finishes an async generation whose process died, on this process: the same request (fields as
 * sent, images as fetched then), the same record and the same hold, under a fresh deadline. Its
 * record ends once, success or error, and with it the charge and the webhook: a claimed lease is
 * only this process's, and the record's finish is conditional on `processing`.
 */
export async function resumeGeneration(ports: UseCasePorts, job: ClaimedJob): Promise<void> {
  const deadline = startRequestDeadline(ports.requestTimeoutMs);
  try {
    await finishClaimed(ports, job, deadline);
  } catch (error) {
    // As in `generateImages`, a failed free generation does not count against the daily caps; the
    // slot was claimed by the dead process, so it is given back by the generation's id.
    await ports.freeUsage?.giveBack(job.generationId).catch(() => undefined);
    throw error;
  } finally {
    deadline.clear();
    // On every outcome, including a failure before any route ran: a kept job holds input images.
    await ports.jobs?.remove(job.generationId).catch(() => undefined);
  }
}

async function finishClaimed(ports: UseCasePorts, job: ClaimedJob, deadline: RequestDeadline): Promise<void> {
  const request: GenerationRequest = {
    fields: job.fields,
    images: job.images.map((bytes, index) => ({ kind: 'bytes', bytes, param: `image[${index}]` })),
    masks: job.mask === undefined ? [] : [{ kind: 'bytes', bytes: job.mask, param: 'mask' }],
  };
  let planned;
  try {
    const plan = planGeneration(ports.catalog, request);
    const inputs = await ports.imageFetcher.fetch({ images: request.images, mask: request.masks[0] }, deadline.signal);
    planned = { plan, inputs };
  } catch (error) {
    // Valid when it arrived, refused now (a model retired or reconfigured meanwhile): end it as that error.
    throw await giveUp(ports, job, error);
  }
  const { plan, inputs } = planned;
  await resumeImages(
    ports,
    {
      request: { ...plan.request, ...inputs },
      model: plan.model,
      warnings: plan.warnings,
      caller: { accountId: job.accountId, apiKeyId: job.apiKeyId },
      signal: deadline.signal,
      deadline: deadline.at,
      startedAt: job.startedAt,
    },
    { id: job.generationId, reservedMicros: job.reservedMicros },
  );
}

/** Ends the record as `error` and releases its hold in one transaction (or neither: recovery then closes both). */
async function giveUp(ports: UseCasePorts, job: ClaimedJob, error: unknown): Promise<ApiError> {
  const apiError = error instanceof ApiError ? error : new ApiError({ kind: 'internal', message: 'Internal server error', cause: error });
  await ports.records
    .fail({
      id: job.generationId,
      model: job.model,
      error: apiError,
      attempts: [],
      finishedAt: ports.clock(),
      release: { accountId: job.accountId, reservedMicros: job.reservedMicros },
    })
    .catch(() => undefined);
  return apiError;
}
