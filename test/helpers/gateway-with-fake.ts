import { afterAll, beforeAll } from 'vitest';
import type { AppContextOverrides } from '../../src/app-context.js';
import type { DatabaseHarness } from './test-databases.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';

export interface GatewayWithFake<Fake> {
  /** The fake upstream; read it inside tests and hooks, once `beforeAll` has run. */
  readonly fake: Fake;
  /** The gateway wired to it. */
  readonly gateway: TestGateway;
}

/**
 * Registers the suite hooks every provider-through-the-gateway test needs: start the fake, then a
 * gateway on an empty database of `harness` whose provider variables point at it, and close both.
 */
export function useGatewayWithFake<Fake extends { baseUrl: string; close(): Promise<void> }>(
  harness: DatabaseHarness,
  options: {
    startFake: () => Promise<Fake>;
    /** The gateway's own variables besides `DATABASE_URL`. */
    gatewayEnv?: Record<string, string>;
    /** Provider variables (and adapters) that wire the gateway to the started fake. */
    overrides: (fake: Fake) => AppContextOverrides;
  },
): GatewayWithFake<Fake> {
  let fake: Fake | undefined;
  let gateway: TestGateway | undefined;
  beforeAll(async () => {
    fake = await options.startFake();
    gateway = await startTestGateway({ DATABASE_URL: await harness.createEmptyDatabase(), ...options.gatewayEnv }, options.overrides(fake));
  });
  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });
  // A read before `beforeAll` finished is a bug in the suite, so it fails loudly rather than as undefined.
  const started = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`the ${name} is not started yet (read it inside a test or hook)`);
    return value;
  };
  return {
    get fake() {
      return started(fake, 'fake upstream');
    },
    get gateway() {
      return started(gateway, 'gateway');
    },
  };
}
