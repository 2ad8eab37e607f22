import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/** A gateway where `test/test` costs one cent per image, so prices and costs show real numbers. */
export async function startPricedTestGateway(): Promise<TestGateway> {
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
