import { describe, expect, it } from 'vitest';
import { errorFromResponse } from '../../../../src/providers/openai-compatible/openai-compatible-errors.js';
import { parseImagesResponse } from '../../../../src/providers/openai-compatible/openai-compatible-response.js';
import type { UpstreamResponse } from '../../../../src/providers/common/upstream-fetch.js';
import { thrownUpstreamError } from '../../../helpers/caught-error.js';
import { API_KEY } from './openai-compatible-fixtures.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const response = (status: number, body: unknown, headers: Record<string, string> = {}): UpstreamResponse => ({
  status,
  headers,
  body: typeof body === 'string' ? Buffer.from(body) : json(body),
});

describe('parseImagesResponse', () => {
  it('keeps base64 text exactly as sent (for pass-through) and strips a data URI prefix', () => {
    const parsed = parseImagesResponse(
      'vllm',
      json({ created: 1, data: [{ b64_json: 'iVBORw0KGgo=', url: null }, { b64_json: 'data:image/png;base64,/9j/4AAQ' }] }),
    );
    expect(parsed.images).toEqual([{ base64: Buffer.from('iVBORw0KGgo=') }, { base64: Buffer.from('/9j/4AAQ') }]);
    expect(parsed.reportedCostMicros).toBeUndefined();
    expect(parsed.usage).toBeUndefined();
  });

  it('returns URLs for the gateway to download, whatever else the items carry (LocalAI index 0)', () => {
    const parsed = parseImagesResponse(
      'localai',
      json({ data: [{ index: 0, url: 'http://localai:8080/generated-images/a.png' }], usage: { prompt_tokens: 0, total_tokens: 0 } }),
    );
    expect(parsed.images).toEqual([{ url: 'http://localai:8080/generated-images/a.png' }]);
    expect(parsed.usage).toBeUndefined();
  });

  it('xAI cost: ticks / 10,000 = micro-USD, rounded up', () => {
    expect(
      parseImagesResponse('xai', json({ data: [{ b64_json: 'AAAA' }], usage: { cost_in_usd_ticks: 200_000_000 } })).reportedCostMicros,
    ).toBe(20_000);
    expect(
      parseImagesResponse('xai', json({ data: [{ b64_json: 'AAAA' }], usage: { cost_in_usd_ticks: 10_001 } })).reportedCostMicros,
    ).toBe(2);
  });

  it('GPT-image token usage becomes usage; a malformed usage does not cost the images', () => {
    const parsed = parseImagesResponse(
      'azure',
      json({
        data: [{ b64_json: 'AAAA' }],
        usage: { input_tokens: 50, output_tokens: 1056, input_tokens_details: { text_tokens: 40, image_tokens: 10 } },
      }),
    );
    expect(parsed.usage).toEqual({ inputTextTokens: 40, inputImageTokens: 10, outputImageTokens: 1056 });
    expect(parseImagesResponse('azure', json({ data: [{ b64_json: 'AAAA' }], usage: 'n/a' })).images).toHaveLength(1);
  });

  it('xAI respect_moderation: false on a 200 is a content-policy refusal', () => {
    const error = thrownUpstreamError(() => parseImagesResponse('xai', json({ data: [{ url: '', respect_moderation: false }] })));
    expect(error.kind).toBe('content_policy');
    expect(error.code).toBe('content_policy_violation');
  });

  it('malformed answers are upstream errors: not JSON, no data, empty data, an item without an image', () => {
    for (const body of [
      Buffer.from('<html>Bad gateway</html>'),
      json({ images: [] }),
      json({ data: [] }),
      json({ data: [{ revised_prompt: 'x' }] }),
    ]) {
      const error = thrownUpstreamError(() => parseImagesResponse('together', body));
      expect(error.kind).toBe('upstream_error');
      expect(error.retryable).toBe(true);
    }
  });
});

describe('errorFromResponse', () => {
  it('Azure content filter: content_policy_violation, content_filter, contentFilter, or the inner code', () => {
    const bodies = [
      {
        error: {
          code: 'content_policy_violation',
          message: 'Your request was rejected as a result of our safety system.',
          inner_error: { code: 'ResponsibleAIPolicyViolation' },
        },
      },
      { error: { code: 'content_filter', message: 'The response was filtered.' } },
      { error: { code: 'contentFilter', message: 'Your task failed as a result of our safety system.' } },
      { error: { code: 'BadRequest', message: 'Rejected.', innererror: { code: 'ResponsibleAIPolicyViolation' } } },
      {
        error: {
          type: 'image_generation_user_error',
          code: 'moderation_blocked',
          message: 'Your request was rejected by the safety system.',
        },
      },
    ];
    for (const body of bodies) {
      const error = errorFromResponse('azure', response(400, body), API_KEY);
      expect(error.kind).toBe('content_policy');
      expect(error.status).toBe(400);
      expect(error.retryable).toBe(false);
    }
  });

  it('429: a rate limit honours retry-after-ms; insufficient_quota is a quota problem, not a retry', () => {
    const limited = errorFromResponse(
      'azure',
      response(429, { error: { code: '429', message: 'Please retry after 2 seconds.' } }, { 'retry-after': '2', 'retry-after-ms': '1500' }),
      API_KEY,
    );
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfterMs).toBe(1500);
    const quota = errorFromResponse(
      'generic',
      response(429, { error: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'You exceeded your current quota.' } }),
      API_KEY,
    );
    expect(quota.kind).toBe('quota_exceeded');
    expect(quota.retryable).toBe(false);
  });

  it('a missing deployment or model is not_found (another route may have it)', () => {
    expect(
      errorFromResponse(
        'azure',
        response(404, { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' } }),
        API_KEY,
      ).kind,
    ).toBe('not_found');
    expect(
      errorFromResponse(
        'together',
        response(404, { error: { message: 'Unable to access model x.', type: 'invalid_request_error', code: 'model_not_available' } }),
        API_KEY,
      ).kind,
    ).toBe('not_found');
    expect(
      errorFromResponse('generic', response(400, { error: { code: 'model_not_found', message: 'The model `x` does not exist.' } }), API_KEY)
        .kind,
    ).toBe('not_found');
  });

  it('reads every error shape: xAI {code, error}, FastAPI detail string and list, LocalAI numeric code, bare message', () => {
    expect(
      errorFromResponse(
        'xai',
        response(400, { code: 'Client specified an invalid argument', error: 'Argument not supported: size' }),
        API_KEY,
      ).message,
    ).toBe("The provider 'xai' answered HTTP 400: Argument not supported: size");
    expect(
      errorFromResponse('sglang', response(400, { detail: "response_format='url' requires cloud storage to be configured." }), API_KEY)
        .message,
    ).toContain('requires cloud storage');
    const validation = errorFromResponse(
      'sglang',
      response(422, { detail: [{ loc: ['body', 'n'], msg: 'Input should be less than or equal to 10', type: 'x' }] }),
      API_KEY,
    );
    expect(validation.kind).toBe('invalid_request');
    expect(validation.message).toContain('body.n: Input should be less than or equal to 10');
    const localAI = errorFromResponse(
      'localai',
      response(500, { error: { code: 500, message: "invalid value for 'size'", type: '' } }),
      API_KEY,
    );
    expect(localAI.kind).toBe('upstream_error');
    expect(localAI.message).toContain("invalid value for 'size'");
    expect(errorFromResponse('together', response(402, { message: 'Credit limit reached' }), API_KEY).kind).toBe('quota_exceeded');
    expect(errorFromResponse('vllm', response(401, { error: 'Unauthorized' }), API_KEY).kind).toBe('authentication');
  });

  it('LocalAI model loading: 503 with Retry-After is unavailable, retry later', () => {
    const error = errorFromResponse(
      'localai',
      response(503, { error: { code: 'model_loading', message: 'loading', type: 'model_loading' } }, { 'retry-after': '5' }),
      undefined,
    );
    expect(error.kind).toBe('unavailable');
    expect(error.retryAfterMs).toBe(5000);
  });

  it('never repeats the key, even when the upstream echoes it', () => {
    const error = errorFromResponse(
      'generic',
      response(401, { error: { message: `Incorrect API key provided: ${API_KEY}.`, code: 'invalid_api_key' } }),
      API_KEY,
    );
    expect(error.kind).toBe('authentication');
    expect(error.message).not.toContain(API_KEY);
  });

  it('a body that is no JSON still maps by status', () => {
    const error = errorFromResponse('deepinfra', response(502, '<html>Bad Gateway</html>'), API_KEY);
    expect(error.kind).toBe('upstream_error');
    expect(error.message).toBe("The provider 'deepinfra' answered HTTP 502");
  });
});
