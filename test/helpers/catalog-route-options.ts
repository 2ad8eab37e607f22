import { z } from 'zod';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { schemaProblems } from '../../src/catalog/schema-problems.js';
import type { ProviderDefinition } from '../../src/providers/provider-definition.js';

let builtIn: Catalog | undefined;

/**
 * The raw `options:` of the built-in catalog's first route to `upstreamModel` on an instance of
 * `provider` (`xai`, `together`, … for openai-compatible). Throws when the catalog has no such route:
 * a test that means an endpoint outside the catalog writes its options itself.
 */
export function catalogRouteOptions(
  provider: Pick<ProviderDefinition<unknown, never>, 'instances'>,
  upstreamModel: string,
): Record<string, unknown> {
  builtIn ??= loadCatalog();
  const instanceIds = new Set(provider.instances.map((instance) => instance.id));
  for (const model of builtIn.all()) {
    const route = model.routes.find((candidate) => instanceIds.has(candidate.provider) && candidate.model === upstreamModel);
    if (route) return yamlOptions(route);
  }
  throw new Error(`The built-in catalog has no route to '${upstreamModel}' on ${[...instanceIds].join(', ')}.`);
}

/** A loaded (not yet bound) route's `options:` as the YAML map they are, copied. */
export function yamlOptions(route: { options: unknown }): Record<string, unknown> {
  return structuredClone(yamlMap.parse(route.options));
}
const yamlMap = z.record(z.string(), z.unknown());

/**
 * What the boot says of a route's options on this provider (`options.size: required`, …): the
 * problems `bindRouteOptions` reports, without their file and model prefix. Empty when they parse.
 */
export function routeOptionProblems(
  provider: Pick<ProviderDefinition<unknown, never>, 'routeOptions'>,
  options: Record<string, unknown>,
): string[] {
  const result = schemaProblems(provider.routeOptions, options, 'config.yaml', ['options']);
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}
