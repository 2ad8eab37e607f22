import { invalidParam } from '../errors/api-error.js';
import type { RateLimitState } from './admit-generation.js';
import { validateMask } from '../images/validate-mask.js';
import type { FetchedInputs } from './fetch-input-images.js';
import { generateImages, type GenerateImagesInput, type GenerationCaller, type GenerationOutput } from './generate-images.js';
import type { UseCasePorts } from './generation-ports.js';
import type { GenerationRequest } from './generation-request.js';
import { planGeneration } from './plan-generation.js';
import { startRequestDeadline } from './request-deadline.js';
import type { LendBuffer } from '../domain/scratch-buffers.js';

export interface RunGenerationInput {
  /** The request as an entry point received it: fields as sent, images unread. */
  request: GenerationRequest;
  caller: GenerationCaller;
  /** The caller's own abort, e.g. a client that disconnects. The deadline is added here. */
  signal?: AbortSignal;
  /** When the request arrived (epoch ms), if before the call: the response's `created` and the start of `latency`. */
  startedAt?: number;
  /** Runs in the background (async mode): its result must be kept to be fetched later. */
  detached?: boolean;
  /** Called once the generation is recorded and its credits are held. */
  onRecorded?: (generationId: string) => void;
  /** Called once the key's rate limits let the request in, before any slow step (HTTP sets `RateLimit-*` then). */
  onAdmitted?: (rateLimit: RateLimitState | null) => void;
  /** See `GenerateImagesInput.onOutput`: the final output before the charge is committed; the run resolves with the same object. */
  onOutput?: (output: GenerationOutput) => void;
  /**
   * See `GenerateImagesInput.lendBuffer`. The output's base64 may be views of these buffers: the
   * entry point takes them back only once the run is over and nothing reads the output.
   */
  lendBuffer?: LendBuffer;
}

/**
 * The use case, for every entry point (HTTP, async mode, MCP, CLI, jobs): admit → resolve → check →
 * fetch input images → quote → reserve → route → finish → store → settle → record, under one
 * deadline. Errors before the record is written are plain `ApiError`s; later ones are
 * `GenerationFailure`s carrying the generation id and attempts.
 */
export async function runGeneration(ports: UseCasePorts, input: RunGenerationInput): Promise<GenerationOutput> {
  const startedAt = input.startedAt ?? ports.clock();
  // First of all: a key over its request or concurrency limit costs nothing more than this check.
  const admission = await ports.admission.admit(input.caller);
  const deadline = startRequestDeadline(ports.requestTimeoutMs, input.signal);
  try {
    // Inside the try: whatever the entry point does with the headers, the slot is given back.
    input.onAdmitted?.(admission.rateLimit);
    const plan = planGeneration(ports.catalog, input.request);
    if (input.detached && plan.request.responseFormat === 'b64_ephemeral') {
      throw invalidParam(
        'response_format',
        "'b64_ephemeral' keeps nothing, so it can't be fetched later: use 'url' or 'b64_json' with Prefer: respond-async.",
      );
    }
    if (plan.webhookUrl !== undefined) await ports.webhookTargets.check(input.caller.accountId, plan.webhookUrl, deadline.signal);
    const inputs = await fetchInputs(ports, input.request, deadline.signal);
    const job = input.detached ? jobFor(ports, input, inputs) : undefined;
    return await generateImages(ports, {
      request: { ...plan.request, ...inputs },
      model: plan.model,
      warnings: plan.warnings,
      caller: input.caller,
      signal: deadline.signal,
      deadline: deadline.at,
      startedAt,
      ...(plan.webhookUrl === undefined ? {} : { webhookUrl: plan.webhookUrl }),
      ...(input.onRecorded ? { onRecorded: input.onRecorded } : {}),
      ...(job ? { job } : {}),
      ...(plan.deprecation === undefined ? {} : { deprecation: plan.deprecation }),
      ...(input.onOutput ? { onOutput: input.onOutput } : {}),
      ...(input.lendBuffer ? { lendBuffer: input.lendBuffer } : {}),
    });
  } finally {
    deadline.clear();
    admission.release();
  }
}

/** An async generation's request as `resume-generation.ts` needs it: the fields, and the images as fetched (URLs may expire). */
function jobFor(ports: UseCasePorts, input: RunGenerationInput, inputs: FetchedInputs): GenerateImagesInput['job'] {
  const { jobs } = ports;
  if (jobs === undefined) return undefined;
  return {
    save: (generationId) =>
      jobs.save({
        generationId,
        fields: input.request.fields,
        images: inputs.images.map((image) => image.bytes),
        mask: inputs.mask?.bytes,
      }),
    remove: (generationId) => jobs.remove(generationId),
  };
}

/** Input images and mask, decoded; the mask must fit the first image. */
async function fetchInputs(ports: UseCasePorts, request: GenerationRequest, signal: AbortSignal): Promise<FetchedInputs> {
  const fetched = await ports.imageFetcher.fetch({ images: request.images, mask: request.masks[0] }, signal);
  const first = fetched.images[0];
  if (fetched.mask && first) validateMask(fetched.mask, first);
  return fetched;
}
