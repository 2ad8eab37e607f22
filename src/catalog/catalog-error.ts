/** One problem in a catalog or operator config file, located well enough to fix it. */
export interface CatalogProblem {
  /** The file as shown to the operator (relative to the working directory when inside it). */
  file: string;
  /** Field path inside the file, e.g. `models[2].routes[0].pricing.value`; empty for the file itself. */
  path: string;
  message: string;
}

/**
 * A catalog that cannot be loaded. Thrown at boot, before the server listens: a gateway that
 * starts with half a catalog would fail later, per request, far from the cause.
 */
export class CatalogError extends Error {
  readonly problems: readonly CatalogProblem[];

  constructor(problems: readonly CatalogProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'CatalogError';
    this.problems = problems;
  }
}

export function formatProblem(problem: CatalogProblem): string {
  return problem.path === '' ? `${problem.file}: ${problem.message}` : `${problem.file}: ${problem.path}: ${problem.message}`;
}
