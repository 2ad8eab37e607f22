import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/**
 * A test gateway where test/test costs one cent per image, so usage, spend and balances have
 * numbers to show. `close` also removes the operator config file.
 */
export async function startPricedGateway(): Promise<TestGateway> {
  const configDir = await mkdtemp(path.join(tmpdir(), 'imagerouter-config-'));
  const configFile = path.join(configDir, 'config.yaml');
  await writeFile(configFile, 'models:\n  "test/test":\n    pricing: {type: fixed, value: 0.01}\n');
  const gateway = await startTestGateway({ IMAGEROUTER_CONFIG: configFile });
  return {
    ...gateway,
    async close() {
      await gateway.close();
      await rm(configDir, { recursive: true, force: true });
    },
  };
}

/** A JSON call to the gateway with a key, as a program would make it. */
export async function callGateway(
  gateway: TestGateway,
  key: string,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
