import { describe, expect, it } from 'vitest';
import { falErrorFromResponse } from '../../../../src/providers/fal/fal-errors.js';
import { falAppPath, falQueueUrls, isTrustedQueueUrl } from '../../../../src/providers/fal/fal-queue-urls.js';
import { falResultImages } from '../../../../src/providers/fal/fal-result.js';
import { thrownUpstreamError } from '../../../helpers/caught-error.js';
import { FAL_TEST_KEY } from './fal-test-helpers.js';

const response = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

describe('falAppPath and falQueueUrls: the owner/app trap', () => {
  it('keeps owner/app only (one more segment under workflows/ and comfy/)', () => {
    expect(falAppPath('fal-ai/flux/dev/image-to-image')).toBe('fal-ai/flux');
    expect(falAppPath('fal-ai/bytedance/seedream/v4/edit')).toBe('fal-ai/bytedance');
    expect(falAppPath('fal-ai/qwen-image')).toBe('fal-ai/qwen-image');
    expect(falAppPath('workflows/acme/my-flow/run')).toBe('workflows/acme/my-flow');
  });

  it('uses the URLs fal returns when they are on fal or on the configured base', () => {
    const returned = {
      status: 'IN_QUEUE' as const,
      request_id: 'abc',
      status_url: 'https://queue.fal.run/fal-ai/flux/requests/abc/status',
      response_url: 'https://queue.fal.run/fal-ai/flux/requests/abc',
      cancel_url: 'https://queue.fal.run/fal-ai/flux/requests/abc/cancel',
    };
    expect(falQueueUrls(returned, 'https://proxy.internal/fal', 'fal-ai/flux/dev')).toEqual({
      statusUrl: returned.status_url,
      responseUrl: returned.response_url,
      cancelUrl: returned.cancel_url,
    });
  });

  it('never sends the key to a foreign URL: builds the documented one from the request id instead', () => {
    const urls = falQueueUrls(
      {
        status: 'IN_QUEUE',
        request_id: 'id 1',
        status_url: 'https://evil.example/steal',
        response_url: 'http://queue.fal.run/fal-ai/flux/requests/x',
      },
      'https://queue.fal.run',
      'fal-ai/flux/dev/image-to-image',
    );
    expect(urls).toEqual({
      statusUrl: 'https://queue.fal.run/fal-ai/flux/requests/id%201/status',
      responseUrl: 'https://queue.fal.run/fal-ai/flux/requests/id%201',
      cancelUrl: 'https://queue.fal.run/fal-ai/flux/requests/id%201/cancel',
    });
  });

  it('has nothing to poll without a request id or URLs', () => {
    expect(falQueueUrls({ status: 'IN_QUEUE' }, 'https://queue.fal.run', 'fal-ai/flux/dev')).toBeUndefined();
  });

  it('trusts https *.fal.run and the base origin only', () => {
    expect(isTrustedQueueUrl('https://queue.fal.run/x', 'http://127.0.0.1:9')).toBe(true);
    expect(isTrustedQueueUrl('https://fal.run/x', 'http://127.0.0.1:9')).toBe(true);
    expect(isTrustedQueueUrl('http://127.0.0.1:9/x', 'http://127.0.0.1:9/base')).toBe(true);
    expect(isTrustedQueueUrl('https://notfal.run/x', 'https://queue.fal.run')).toBe(false);
    expect(isTrustedQueueUrl('https://queue.fal.run.evil.example/x', 'https://queue.fal.run')).toBe(false);
    expect(isTrustedQueueUrl('https://user:pw@queue.fal.run/x', 'https://queue.fal.run')).toBe(false);
    expect(isTrustedQueueUrl('not a url', 'https://queue.fal.run')).toBe(false);
  });
});

describe('falErrorFromResponse', () => {
  it('maps a 422 detail[] validation error to invalid_request with the field named', () => {
    const error = falErrorFromResponse(
      'fal',
      response(422, { detail: [{ loc: ['body', 'prompt'], msg: 'field required', type: 'value_error.missing' }] }),
      [],
    );
    expect(error).toMatchObject({ kind: 'invalid_request', upstreamStatus: 422, code: 'value_error.missing' });
    expect(error.message).toContain('body.prompt: field required');
    expect(error.retryable).toBe(false);
  });

  it('maps content_policy_violation to our content-policy error by its type, not its text', () => {
    const error = falErrorFromResponse(
      'fal',
      response(422, { detail: [{ loc: ['body', 'prompt'], msg: 'Anything at all', type: 'content_policy_violation' }] }),
      [],
    );
    expect(error).toMatchObject({ kind: 'content_policy', status: 400, code: 'content_policy_violation' });
  });

  it('maps infrastructure error_types (body or X-Fal-Error-Type) before the status', () => {
    expect(falErrorFromResponse('fal', response(503, { detail: 'no runner', error_type: 'runner_scheduling_failure' }), []).kind).toBe(
      'unavailable',
    );
    expect(falErrorFromResponse('fal', response(500, 'oops', { 'x-fal-error-type': 'request_timeout' }), []).kind).toBe('timeout');
    expect(falErrorFromResponse('fal', response(500, { detail: 'boom', error_type: 'something_new' }), []).kind).toBe('upstream_error');
  });

  it('honours Retry-After on 429 and keeps the key out of the message', () => {
    const error = falErrorFromResponse('fal', response(429, { detail: `slow down ${FAL_TEST_KEY}` }, { 'retry-after': '3' }), [
      FAL_TEST_KEY,
    ]);
    expect(error).toMatchObject({ kind: 'rate_limited', retryAfterMs: 3000 });
    expect(error.message).not.toContain(FAL_TEST_KEY);
  });

  it('reads account locks and plain message bodies by status', () => {
    const locked = falErrorFromResponse('fal', response(403, { detail: 'User is locked. Reason: Exhausted balance.' }), []);
    expect(locked).toMatchObject({ kind: 'permission' });
    expect(locked.message).toContain('Exhausted balance');
    expect(falErrorFromResponse('fal', response(401, { message: 'No key' }), []).message).toContain('No key');
    expect(falErrorFromResponse('fal', response(502, '<html>bad gateway</html>'), []).kind).toBe('upstream_error');
  });
});

describe('falResultImages', () => {
  it('returns CDN URLs for the gateway to download and data URIs as untouched base64 text', () => {
    const images = falResultImages(
      'fal',
      {
        images: [{ url: 'https://v3.fal.media/files/rabbit/a.jpeg', width: null }, { url: 'data:image/png;base64,iVBORw0KGgo=' }],
        has_nsfw_concepts: [false, false],
      },
      true,
    );
    expect(images).toEqual([{ url: 'https://v3.fal.media/files/rabbit/a.jpeg' }, { base64: Buffer.from('iVBORw0KGgo=') }]);
  });

  it('reads a single `image` object too', () => {
    expect(falResultImages('fal', { image: { url: 'https://fal.media/files/x.png' } }, true)).toEqual([
      { url: 'https://fal.media/files/x.png' },
    ]);
  });

  it('drops images the safety checker blacked out, and refuses when all of them were', () => {
    const body = { images: [{ url: 'https://fal.media/1.jpeg' }, { url: 'https://fal.media/2.jpeg' }], has_nsfw_concepts: [true, false] };
    expect(falResultImages('fal', body, true)).toEqual([{ url: 'https://fal.media/2.jpeg' }]);
    const allFlagged = thrownUpstreamError(() => falResultImages('fal', { ...body, has_nsfw_concepts: [true, true] }, true));
    expect(allFlagged).toMatchObject({ kind: 'content_policy', code: 'content_policy_violation' });
    expect(
      thrownUpstreamError(() =>
        falResultImages('fal', { images: [{ url: 'https://fal.media/1.jpeg' }], nsfw_content_detected: [true] }, true),
      ).kind,
    ).toBe('content_policy');
  });

  it('keeps flagged images when the operator turned the safety checker off (fal did not black them out)', () => {
    const body = { images: [{ url: 'https://fal.media/1.jpeg' }], has_nsfw_concepts: [true] };
    expect(falResultImages('fal', body, false)).toEqual([{ url: 'https://fal.media/1.jpeg' }]);
  });

  it('rejects results without usable images as malformed', () => {
    for (const body of [{ detail: 'x' }, { images: [] }, { images: [{ url: 'ftp://x/y.png' }] }, { images: [{}] }, undefined]) {
      expect(thrownUpstreamError(() => falResultImages('fal', body, true)).kind).toBe('upstream_error');
    }
  });
});
