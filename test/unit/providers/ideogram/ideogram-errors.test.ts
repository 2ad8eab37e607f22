import { describe, expect, it } from 'vitest';
import { ideogramHttpError } from '../../../../src/providers/ideogram/ideogram-errors.js';

const KEY = 'ideogram_errors_key_0123456789';
const response = (status: number, body: string, headers: Record<string, string> = {}) => ({ status, headers, body: Buffer.from(body) });

describe('ideogramHttpError', () => {
  it('reads 422 as a content-policy refusal with its message', () => {
    const error = ideogramHttpError('ideogram', response(422, '{"error":"Prompt failed the safety check."}'), KEY);
    expect([error.kind, error.code, error.retryable]).toEqual(['content_policy', 'content_policy_violation', false]);
    expect(error.message).toContain('Prompt failed the safety check.');
  });

  it('maps the untyped statuses by status, with Retry-After when sent', () => {
    const kinds = [400, 401, 402, 403, 503].map((status) => ideogramHttpError('ideogram', response(status, 'Error'), KEY).kind);
    expect(kinds).toEqual(['invalid_request', 'authentication', 'quota_exceeded', 'permission', 'unavailable']);
    const limited = ideogramHttpError('ideogram', response(429, '', { 'retry-after': '3' }), KEY);
    expect([limited.kind, limited.retryable, limited.retryAfterMs]).toEqual(['rate_limited', true, 3000]);
  });

  it('never repeats the key an upstream message echoes', () => {
    const error = ideogramHttpError('ideogram-eu', response(401, `{"message":"Invalid Api-Key ${KEY}"}`), KEY);
    expect(error.message).not.toContain(KEY);
    expect(error.message).toContain("'ideogram-eu'");
  });
});
