import type { GenerationLookup } from '../accounts/account-services.js';
import type { GenerationRecord } from '../accounts/generation-repository.js';
import type { GenerationOutput } from './generate-images.js';
import type { UseCasePorts } from './generation-ports.js';
import { runGeneration, type RunGenerationInput } from './run-generation.js';
import { startGeneration, type StartGenerationInput } from './start-generation.js';

/** The use case as entry points call it: run it, start it in the background, read a record back. */
export interface GenerationService {
  run(input: RunGenerationInput): Promise<GenerationOutput>;
  /** Async mode: resolves with the id once the generation is recorded and its credits held. */
  start(input: StartGenerationInput): Promise<string>;
  get(id: string): Promise<GenerationRecord | undefined>;
}

export function createGenerationService(ports: UseCasePorts, lookup: GenerationLookup): GenerationService {
  return {
    run: (input) => runGeneration(ports, input),
    start: (input) => startGeneration(ports, input),
    get: (id) => lookup.get(id),
  };
}
