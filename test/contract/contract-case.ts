import type { ErrorKind } from '../../src/errors/api-error.js';
import type { ImageRequest } from '../../src/domain/image-request.js';
import type { ProviderEndpoint } from '../../src/providers/provider.js';
import type { AnyProviderDefinition } from '../../src/providers/provider-definition.js';
import type { FakeUpstream, RecordedCall } from '../fakes/fake-upstream.js';

/**
 * How the one contract suite drives an adapter against its fake. Each provider adds a file
 * `test/contract/cases/<id>-case.ts` whose default export is a `ContractCase` (or a list of them).
 */
export interface ContractCase {
  /** Shown in test names, e.g. `openai` or `openai-compatible (azure)`. */
  name: string;
  startFake(): Promise<FakeUpstream>;
  /**
   * The provider's registry entry: the suite builds the adapter from it and parses `options` and
   * the endpoint's `settings` with its schemas, as the gateway does at boot.
   */
  provider: AnyProviderDefinition;
  /** The endpoint pointing at the fake, with a recognisable test key (settings as in the config file). */
  endpoint(fake: FakeUpstream): ProviderEndpoint;
  /** Upstream model for the basic text-to-image call. */
  upstreamModel: string;
  /** The route's `options:` as written in YAML. */
  options?: Record<string, unknown>;
  /** Overrides for the request (e.g. a size the model accepts). */
  request?: Partial<ImageRequest>;
  /** Whether the call's credential arrived on an API call (header name differs per provider). */
  carriesCredential(call: RecordedCall, apiKey: string): boolean;
  /** The error the fake's failed async job (`job_failed`) ends in; required when the fake can fail one. */
  jobFailed?: ExpectedUpstreamError;
  /**
   * The error the adapter raises itself when the call's `deadline` passes while its signal is still
   * live. Absent for adapters bounded only by the signal (the router aborts it at the deadline).
   */
  ownDeadline?: ExpectedUpstreamError;
}

/** An `UpstreamError` as the router and the client see it; `code: undefined` means it must have none. */
export interface ExpectedUpstreamError {
  kind: ErrorKind;
  status: number;
  code: string | undefined;
  retryable: boolean;
}

/** What adapters that keep their own deadline timer raise when it fires first. */
export const DEADLINE_TIMEOUT: ExpectedUpstreamError = { kind: 'timeout', status: 504, code: undefined, retryable: true };

export const CONTRACT_API_KEY = 'contract-test-key-0123456789abcdef';
