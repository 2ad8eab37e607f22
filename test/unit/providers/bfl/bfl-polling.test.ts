import { describe, expect, it } from 'vitest';
import { bflProvider } from '../../../../src/providers/bfl/bfl-provider.js';
import { DEFAULT_POLL_INTERVAL_MS, mayReceiveKey, pollIntervalMs, resolvePollingUrl } from '../../../../src/providers/bfl/bfl-polling.js';
import { bflSettingsSchema } from '../../../../src/providers/bfl/bfl-route-options.js';
import { catalogCall } from '../../../helpers/provider-call.js';
import { readErrorMessage, readModerationReasons, readResultResponse } from '../../../../src/providers/bfl/bfl-wire-types.js';

const BASE_URL = 'https://api.bfl.ai/v1';

describe('mayReceiveKey', () => {
  it.each([
    ['https://api.us1.bfl.ai/v1/get_result?id=1', true],
    ['https://api.eu.bfl.ai/v1/get_result?id=1', true],
    ['https://bfl.ai/v1/get_result?id=1', true],
    ['https://API.US1.BFL.AI/v1/get_result?id=1', true],
    ['http://api.us1.bfl.ai/v1/get_result?id=1', false],
    ['https://evilbfl.ai/v1/get_result?id=1', false],
    ['https://api.bfl.ai.evil.example/v1/get_result?id=1', false],
    ['https://api.bfl.ai@evil.example/v1/get_result?id=1', false],
    ['https://delivery-us1.bfl.ai:8443/x', true],
    ['https://api.bfl.ml/v1/get_result?id=1', false],
  ])('%s → %s', (url, expected) => {
    expect(mayReceiveKey(new URL(url), BASE_URL)).toBe(expected);
  });

  it('trusts the origin of the configured base URL (a proxy or a local fake), and nothing next to it', () => {
    const base = 'http://127.0.0.1:4567/v1';
    expect(mayReceiveKey(new URL('http://127.0.0.1:4567/us1/v1/get_result?id=1'), base)).toBe(true);
    expect(mayReceiveKey(new URL('http://127.0.0.1:4568/v1/get_result?id=1'), base)).toBe(false);
    expect(mayReceiveKey(new URL('http://localhost:4567/v1/get_result?id=1'), base)).toBe(false);
    expect(mayReceiveKey(new URL('https://127.0.0.1:4567/v1/get_result?id=1'), base)).toBe(false);
  });
});

describe('resolvePollingUrl', () => {
  it('keeps the returned polling_url, adding the id only when missing', () => {
    expect(
      resolvePollingUrl('bfl', { id: 'abc', pollingUrl: 'https://api.us1.bfl.ai/v1/get_result?id=abc', costCredits: 3 }, BASE_URL).href,
    ).toBe('https://api.us1.bfl.ai/v1/get_result?id=abc');
    expect(resolvePollingUrl('bfl', { id: 'abc', pollingUrl: 'https://api.us1.bfl.ai/v1/get_result', costCredits: 3 }, BASE_URL).href).toBe(
      'https://api.us1.bfl.ai/v1/get_result?id=abc',
    );
  });

  it('falls back to {base}/get_result without a polling_url, and refuses a malformed one', () => {
    expect(resolvePollingUrl('bfl', { id: 'abc', pollingUrl: undefined, costCredits: undefined }, BASE_URL).href).toBe(
      'https://api.bfl.ai/v1/get_result?id=abc',
    );
    expect(() => resolvePollingUrl('bfl', { id: 'abc', pollingUrl: 'not a url', costCredits: undefined }, BASE_URL)).toThrow(/malformed/);
  });
});

describe('pollIntervalMs', () => {
  const options = (pollInterval?: number) =>
    catalogCall(bflProvider, 'flux-2-pro', { options: pollInterval === undefined ? {} : { poll_interval_ms: pollInterval } }).options;

  it('takes the route option, then the instance setting, then 500 ms', () => {
    expect(pollIntervalMs(options(20), { poll_interval_ms: 900 })).toBe(20);
    expect(pollIntervalMs(options(), { poll_interval_ms: 900 })).toBe(900);
    expect(pollIntervalMs(options(), {})).toBe(DEFAULT_POLL_INTERVAL_MS);
    expect(DEFAULT_POLL_INTERVAL_MS).toBe(500);
  });

  it('refuses a bad interval at boot rather than ignoring it', () => {
    expect(() => options(-1)).toThrow(/poll_interval_ms/);
    expect(bflSettingsSchema.safeParse({ poll_interval_ms: 'soon' }).success).toBe(false);
  });
});

describe('BFL wire readers', () => {
  it('reads FastAPI validation details, plain details and messages', () => {
    expect(
      readErrorMessage({ detail: [{ type: 'multiple_of', loc: ['body', 'width'], msg: 'Input should be a multiple of 32', input: 1000 }] }),
    ).toBe('width: Input should be a multiple of 32');
    expect(readErrorMessage({ detail: 'Not authenticated' })).toBe('Not authenticated');
    expect(readErrorMessage({ message: 'Bad Request', detail: null })).toBe('Bad Request');
    expect(readErrorMessage('Internal Server Error')).toBeUndefined();
  });

  it('reads statuses from status or state, and the sample only from result', () => {
    expect(readResultResponse({ id: '1', status: 'Ready', result: { sample: 'https://delivery-us1.bfl.ai/x.jpeg' } })).toMatchObject({
      status: 'Ready',
      sample: 'https://delivery-us1.bfl.ai/x.jpeg',
    });
    expect(readResultResponse({ id: '1', state: 'Pending', result: null })).toMatchObject({ status: 'Pending', sample: undefined });
    expect(readResultResponse([1, 2])).toBeUndefined();
  });

  it('reads moderation reasons', () => {
    expect(readModerationReasons({ 'Moderation Reasons': ['Derivative Works Filter', 'NSFW'] })).toBe('Derivative Works Filter, NSFW');
    expect(readModerationReasons(null)).toBeUndefined();
    expect(readModerationReasons({ other: 1 })).toBeUndefined();
  });
});
