import type { z } from 'zod';
import type { CatalogProblem } from './catalog-error.js';

/**
 * Validates `value` and returns the problems in the operator's terms: file, field path (prefixed,
 * e.g. `models[2]` or `models["test/test"]`) and a message without zod's boilerplate.
 */
export function schemaProblems<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  file: string,
  prefix: ReadonlyArray<string | number>,
): { ok: true; data: z.output<Schema> } | { ok: false; problems: CatalogProblem[] } {
  const result = schema.safeParse(value, {
    // "expected string, received undefined" reads like a type error; the fix is to add the field.
    error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? `required (${issue.expected})` : undefined),
  });
  if (result.success) return { ok: true, data: result.data };
  const problems = result.error.issues.flatMap((issue): CatalogProblem[] => {
    const at = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ file, path: formatPath([...at, key]), message: 'unknown field' }));
    }
    return [{ file, path: formatPath(at), message: issue.message.replace(/^Invalid input: /, '') }];
  });
  return { ok: false, problems };
}

/** `['models', 2, 'routes', 0, 'pricing']` → `models[2].routes[0].pricing`; odd keys are quoted. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}
