import type { UseCasePorts } from './generation-ports.js';
import { runGeneration, type RunGenerationInput } from './run-generation.js';

export interface StartGenerationInput extends Omit<RunGenerationInput, 'detached' | 'onRecorded' | 'signal' | 'lendBuffer'> {
  /** A failure after the generation was recorded: it is in the record already, this is for the log. */
  onBackgroundError?: (error: unknown, generationId: string) => void;
}

/**
 * Async mode: runs the generation detached from its caller and resolves with its id once it is
 * recorded and its credits are held. Failures before that point reject, with their real status;
 * later ones end up in the record, fetched with `GET /v1/generations/{id}`.
 */
export async function startGeneration(ports: UseCasePorts, input: StartGenerationInput): Promise<string> {
  let recordedId: (id: string) => void = () => undefined;
  const recorded = new Promise<string>((resolve) => (recordedId = resolve));
  const work = runGeneration(ports, { ...input, detached: true, onRecorded: (id) => recordedId(id) });
  const id = (await Promise.race([recorded, work.then(() => undefined)])) ?? (await recorded);
  const background = work
    .catch((error: unknown) => input.onBackgroundError?.(error, id))
    .finally(() => ports.background.delete(background));
  ports.background.add(background);
  return id;
}
