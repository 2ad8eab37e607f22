import { describe, expect, it } from 'vitest';
import { recraftHttpError } from '../../../../src/providers/recraft/recraft-errors.js';

const KEY = 'recraft_errors_token_0123456789';
const JSON_TYPE = { 'content-type': 'application/json' };
const response = (status: number, body: string, headers: Record<string, string> = {}) => ({ status, headers, body: Buffer.from(body) });

describe('recraftHttpError', () => {
  it('reads the plain-text 401 as an authentication failure with its text', () => {
    const error = recraftHttpError('recraft', response(401, 'request unauthorized', { 'content-type': 'text/plain' }), KEY);
    expect([error.kind, error.retryable]).toEqual(['authentication', false]);
    expect(error.message).toContain('request unauthorized');
  });

  it('reads both JSON error shapes, naming the parameter when Recraft does', () => {
    const nested = recraftHttpError(
      'recraft',
      response(400, '{"error":{"message":"Invalid size","param":"size","code":"invalid_size"}}', JSON_TYPE),
      KEY,
    );
    expect(nested.kind).toBe('invalid_request');
    expect(nested.message).toContain("Invalid size (parameter 'size')");
    const flat = recraftHttpError('recraft', response(400, '{"code":"invalid_style","message":"style is not supported"}', JSON_TYPE), KEY);
    expect(flat.message).toContain('style is not supported');
  });

  it('does not parse a JSON-looking body sent as text, and maps the rest by status with Retry-After', () => {
    const text = recraftHttpError('recraft', response(400, '{"message":"x"}', { 'content-type': 'text/plain' }), KEY);
    expect(text.message).toContain('{"message":"x"}');
    const kinds = [402, 404, 500, 503].map((status) => recraftHttpError('recraft', response(status, 'Error'), KEY).kind);
    expect(kinds).toEqual(['quota_exceeded', 'invalid_request', 'upstream_error', 'unavailable']);
    const limited = recraftHttpError('recraft', response(429, 'Too Many Requests', { 'retry-after': '3' }), KEY);
    expect([limited.kind, limited.retryable, limited.retryAfterMs]).toEqual(['rate_limited', true, 3000]);
  });

  it('never repeats the token an upstream message echoes', () => {
    const error = recraftHttpError('recraft-eu', response(401, `bad token ${KEY}`), KEY);
    expect(error.message).not.toContain(KEY);
    expect(error.message).toContain("'recraft-eu'");
  });
});
