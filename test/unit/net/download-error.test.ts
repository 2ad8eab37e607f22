import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/errors/api-error.js';
import { DownloadError, downloadErrorToApiError } from '../../../src/net/download-error.js';

describe('downloadErrorToApiError', () => {
  it.each([
    [
      new DownloadError({
        reason: 'blocked_address',
        message:
          'URL is not allowed: it resolves to a private, loopback or link-local address (169.254.169.254). Set IMAGEROUTER_URL_ALLOWLIST to allow it.',
      }),
      "'image[0]' URL is not allowed: it resolves to a private, loopback or link-local address (169.254.169.254). Set IMAGEROUTER_URL_ALLOWLIST to allow it.",
    ],
    [
      new DownloadError({ reason: 'too_large', message: 'download exceeded 52428800 bytes' }),
      "'image[0]' download exceeded 52428800 bytes",
    ],
    [
      new DownloadError({ reason: 'timeout', message: 'download timed out after 30000 ms' }),
      "'image[0]' download timed out after 30000 ms",
    ],
    [
      new DownloadError({ reason: 'http_status', status: 404, message: 'download failed with HTTP 404' }),
      "'image[0]' download failed with HTTP 404",
    ],
  ])('turns %s into a 400 naming the parameter', (error, message) => {
    const apiError = downloadErrorToApiError(error, 'image[0]');
    expect(apiError).toBeInstanceOf(ApiError);
    expect(apiError.status).toBe(400);
    expect(apiError.kind).toBe('invalid_request');
    expect(apiError.type).toBe('invalid_request_error');
    expect(apiError.param).toBe('image[0]');
    expect(apiError.message).toBe(message);
    expect(apiError.code).toBe(`download_${error.reason}`);
    expect(apiError.cause).toBe(error);
  });
});

describe('DownloadError', () => {
  it('carries reason and status', () => {
    const error = new DownloadError({ reason: 'http_status', status: 503, message: 'download failed with HTTP 503' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DownloadError');
    expect(error.reason).toBe('http_status');
    expect(error.status).toBe(503);
  });
});
