import { describe, expect, it } from 'vitest';
import { googleUpstreamError, parseDuration } from '../../../../src/providers/gemini/google-error.js';
import type { UpstreamResponse } from '../../../../src/providers/common/upstream-fetch.js';

const KEY = 'AIzaSyD-secret-key-0123456789abcdef';

function googleError(
  code: number,
  status: string,
  message: string,
  details: unknown[] = [],
  headers: UpstreamResponse['headers'] = {},
): UpstreamResponse {
  return {
    status: code,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify({ error: { code, message, status, details } })),
  };
}

const errorInfo = (reason: string) => ({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' });
const retryInfo = (retryDelay: string) => ({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay });

describe('googleUpstreamError', () => {
  it('a 400 INVALID_ARGUMENT with API_KEY_INVALID is a bad key (authentication), not a bad request', () => {
    const error = googleUpstreamError(
      'gemini',
      googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [errorInfo('API_KEY_INVALID')]),
      [KEY],
    );
    expect(error.kind).toBe('authentication');
    expect(error.upstreamStatus).toBe(400);
    expect(error.retryable).toBe(false);
  });

  it('a plain INVALID_ARGUMENT is the request’s fault', () => {
    const error = googleUpstreamError('gemini', googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'), [KEY]);
    expect(error.kind).toBe('invalid_request');
    expect(error.message).toBe("The provider 'gemini' answered HTTP 400: INVALID_ARGUMENT: Request contains an invalid argument.");
  });

  it('RESOURCE_EXHAUSTED is a rate limit; RetryInfo.retryDelay becomes retryAfterMs', () => {
    const error = googleUpstreamError(
      'gemini',
      googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota.', [retryInfo('34.4s')]),
      [KEY],
    );
    expect(error.kind).toBe('rate_limited');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(34_400);
  });

  it('a Retry-After header wins over RetryInfo', () => {
    const error = googleUpstreamError(
      'gemini',
      googleError(429, 'RESOURCE_EXHAUSTED', 'Slow down.', [retryInfo('34s')], { 'retry-after': '3' }),
      [KEY],
    );
    expect(error.retryAfterMs).toBe(3000);
  });

  it.each([
    [403, 'PERMISSION_DENIED', 'permission'],
    [400, 'FAILED_PRECONDITION', 'permission'],
    [401, 'UNAUTHENTICATED', 'authentication'],
    [404, 'NOT_FOUND', 'not_found'],
    [503, 'UNAVAILABLE', 'unavailable'],
    [504, 'DEADLINE_EXCEEDED', 'timeout'],
    [500, 'INTERNAL', 'upstream_error'],
  ])('%i %s → %s', (code, status, kind) => {
    expect(googleUpstreamError('gemini', googleError(code, status, 'message'), [KEY]).kind).toBe(kind);
  });

  it('classifies by fields, never by message text: a "quota" message under INVALID_ARGUMENT stays invalid_request', () => {
    expect(
      googleUpstreamError('gemini', googleError(400, 'INVALID_ARGUMENT', 'API key quota exceeded, blocked by safety'), [KEY]).kind,
    ).toBe('invalid_request');
  });

  it('falls back to the HTTP status for a body that is not Google’s (a proxy’s HTML page)', () => {
    const html = (status: number): UpstreamResponse => ({
      status,
      headers: { 'content-type': 'text/html' },
      body: Buffer.from('<html>Bad Gateway</html>'),
    });
    expect(googleUpstreamError('gemini', html(502), [KEY]).kind).toBe('upstream_error');
    expect(googleUpstreamError('gemini', html(404), [KEY]).kind).toBe('not_found');
    expect(googleUpstreamError('gemini', html(429), [KEY]).kind).toBe('rate_limited');
  });

  it('never echoes the key, even when Google quotes it', () => {
    const error = googleUpstreamError(
      'gemini',
      googleError(400, 'INVALID_ARGUMENT', `API key ${KEY} not valid.`, [errorInfo('API_KEY_INVALID')]),
      [KEY],
    );
    expect(error.message).not.toContain(KEY);
    expect(error.message).toContain('[REDACTED]');
  });

  it('reads the envelope wrapped in an array too', () => {
    const response: UpstreamResponse = {
      status: 429,
      headers: {},
      body: Buffer.from(
        JSON.stringify([{ error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'x', details: [retryInfo('1.5s')] } }]),
      ),
    };
    const error = googleUpstreamError('gemini', response, []);
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(1500);
  });
});

describe('parseDuration', () => {
  it.each([
    ['2s', 2000],
    ['34.4s', 34_400],
    ['0.5s', 500],
    ['1.0001s', 1000],
    ['2', undefined],
    ['-1s', undefined],
    [3, undefined],
  ])('%j → %j', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });
});
