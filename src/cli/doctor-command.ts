import type { Command } from 'commander';
import { loadAppConfig } from '../config/app-config.js';
import { bindRouteOptions } from '../catalog/bind-route-options.js';
import { loadCatalog } from '../catalog/load-catalog.js';
import { createBuiltInAdapters } from '../providers/built-in-providers.js';
import type { ImageProvider } from '../providers/provider.js';
import { resolveProviderInstances, type ProviderInstance } from '../providers/provider-instances.js';
import { createProviderRegistry } from '../providers/registry.js';

const PROBE_TIMEOUT_MS = 10_000;

export interface DoctorLine {
  instance: string;
  title: string;
  configured: boolean;
  /** `ok`, `failed`, `not probed` (no probe for this adapter) or `not configured`. */
  status: string;
  detail: string;
  models: number;
  /** How long the probe took (the slowest key's), in milliseconds; absent when nothing was probed. */
  latencyMs?: number;
}

/** Probes every configured provider instance and says what to set for the others. */
export async function runDoctor(env: NodeJS.ProcessEnv, adapters: ImageProvider[] = createBuiltInAdapters()): Promise<DoctorLine[]> {
  const config = loadAppConfig(env);
  const catalog = loadCatalog({ ...(config.configFile ? { configFile: config.configFile } : {}) });
  const instances = resolveProviderInstances(env, catalog.config.providers, config.configFile);
  // The same checks as `serve`: a route option the gateway would refuse at boot fails the doctor too.
  bindRouteOptions(catalog, createProviderRegistry(adapters, instances));
  const modelsPerInstance = new Map<string, number>();
  for (const model of catalog.all()) {
    if (catalog.lifecycle(model).state === 'retired') continue;
    for (const provider of new Set(model.routes.map((route) => route.provider)))
      modelsPerInstance.set(provider, (modelsPerInstance.get(provider) ?? 0) + 1);
  }
  return Promise.all(instances.map((instance) => diagnose(instance, adapters, modelsPerInstance.get(instance.id) ?? 0)));
}

async function diagnose(instance: ProviderInstance, adapters: ImageProvider[], models: number): Promise<DoctorLine> {
  const base = { instance: instance.id, title: instance.title, configured: instance.configured, models };
  if (!instance.configured) {
    const what = instance.missing === instance.baseUrlVariable ? instance.baseUrlVariable : instance.keyVariables.join(' or ');
    return { ...base, status: 'not configured', detail: `set ${what}` };
  }
  const adapter = adapters.find((candidate) => candidate.id === instance.adapter);
  if (!adapter?.probe) return { ...base, status: 'not probed', detail: `no probe for adapter '${instance.adapter}'` };
  const keyCount = Math.max(1, instance.apiKeys.length);
  const results = await Promise.all(
    Array.from({ length: keyCount }, async (_, keyIndex) => {
      const started = performance.now();
      try {
        const result = await adapter.probe!(
          {
            instance: instance.id,
            baseUrl: instance.baseUrl ?? '',
            apiKey: instance.apiKeys[keyIndex],
            keyIndex,
            settings: instance.settings,
          },
          AbortSignal.timeout(PROBE_TIMEOUT_MS),
        );
        return { ...result, latencyMs: performance.now() - started };
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error), latencyMs: performance.now() - started };
      }
    }),
  );
  const failed = results.filter((result) => !result.ok);
  const keys = keyCount > 1 ? ` (${keyCount - failed.length}/${keyCount} keys ok)` : '';
  return {
    ...base,
    status: failed.length === 0 ? 'ok' : 'failed',
    detail: `${(failed[0] ?? results[0])?.detail ?? ''}${keys}`,
    latencyMs: Math.round(Math.max(...results.map((result) => result.latencyMs))),
  };
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('list providers, which are configured, and probe the configured ones')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const lines = await runDoctor(process.env);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(lines, null, 2)}\n`);
      } else {
        const width = Math.max(...lines.map((line) => line.instance.length));
        for (const line of lines) {
          const latency = line.latencyMs === undefined ? '' : `${line.latencyMs} ms`;
          process.stdout.write(
            `${line.instance.padEnd(width)}  ${line.status.padEnd(14)}  ${String(line.models).padStart(3)} models  ${latency.padStart(8)}  ${line.detail}\n`,
          );
        }
      }
      if (lines.some((line) => line.status === 'failed')) process.exitCode = 1;
    });
}
