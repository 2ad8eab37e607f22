import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../../src/errors/upstream-error.js';
import { openAIErrorFromResponse } from '../../../../src/providers/openai/openai-errors.js';
import { readOpenAIImages } from '../../../../src/providers/openai/openai-response.js';
import { ChunkedBytes } from '../../../../src/providers/common/chunked-bytes.js';

const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const answer = (value: unknown) => new ChunkedBytes([body(value)]);
const errorResponse = (status: number, error: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: body({ error }),
});

function thrown(action: () => unknown): UpstreamError {
  try {
    action();
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected an UpstreamError');
}

describe('readOpenAIImages', () => {
  it('reads base64 and URL items in order, with the revised prompt when one was sent', () => {
    const result = readOpenAIImages(
      'openai',
      answer({ created: 1, data: [{ b64_json: 'iVBORw0K' }, { url: 'https://cdn.example/x.png', revised_prompt: 'r' }] }),
      false,
    );
    expect(result.images).toEqual([{ base64: Buffer.from('iVBORw0K') }, { url: 'https://cdn.example/x.png', revisedPrompt: 'r' }]);
    expect(result.usage).toBeUndefined();
  });

  it('reads usage by its details', () => {
    const usage = {
      total_tokens: 1106,
      input_tokens: 50,
      output_tokens: 1056,
      input_tokens_details: { text_tokens: 40, image_tokens: 10 },
    };
    expect(readOpenAIImages('openai', answer({ data: [{ b64_json: 'QQ==' }], usage }), true).usage).toEqual({
      inputTextTokens: 40,
      inputImageTokens: 10,
      outputImageTokens: 1056,
    });
  });

  it('bills input without details at the image rate when images were sent, else as text', () => {
    const usage = { input_tokens: 50, output_tokens: 272 };
    expect(readOpenAIImages('openai', answer({ data: [{ b64_json: 'QQ==' }], usage }), true).usage).toEqual({
      inputImageTokens: 50,
      outputImageTokens: 272,
    });
    expect(readOpenAIImages('openai', answer({ data: [{ b64_json: 'QQ==' }], usage }), false).usage).toEqual({
      inputTextTokens: 50,
      outputImageTokens: 272,
    });
  });

  it('ignores usage without output tokens (it would price the images at $0)', () => {
    expect(readOpenAIImages('openai', answer({ data: [{ b64_json: 'QQ==' }], usage: { input_tokens: 50 } }), false).usage).toBeUndefined();
  });

  it.each([
    ['no data array', { created: 1 }],
    ['an item without image', { data: [{ revised_prompt: 'x' }] }],
    ['an empty b64_json', { data: [{ b64_json: '' }] }],
    ['not an object', [1, 2]],
  ])('refuses a 200 with %s', (_name, value) => {
    expect(thrown(() => readOpenAIImages('openai', answer(value), false)).kind).toBe('upstream_error');
  });
});

describe('openAIErrorFromResponse', () => {
  it('maps DALL·E content_policy_violation to our content policy error', () => {
    const error = openAIErrorFromResponse(
      'openai',
      errorResponse(400, {
        message: 'Your request was rejected as a result of our safety system.',
        type: 'invalid_request_error',
        param: null,
        code: 'content_policy_violation',
      }),
      [],
    );
    expect([error.kind, error.status, error.code]).toEqual(['content_policy', 400, 'content_policy_violation']);
  });

  it('tells insufficient_quota from a rate limit on the same 429, by code or type', () => {
    expect(
      openAIErrorFromResponse('openai', errorResponse(429, { message: 'quota', type: 'insufficient_quota', param: null, code: null }), [])
        .kind,
    ).toBe('quota_exceeded');
    expect(
      openAIErrorFromResponse(
        'openai',
        errorResponse(
          429,
          { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' },
          { 'retry-after-ms': '1500' },
        ),
        [],
      ).retryAfterMs,
    ).toBe(1500);
  });

  it('keeps 400 invalid requests and 5xx by status', () => {
    expect(
      openAIErrorFromResponse(
        'openai',
        errorResponse(400, { message: "Invalid value: '512x512'.", type: 'invalid_request_error', param: 'size', code: 'invalid_value' }),
        [],
      ).kind,
    ).toBe('invalid_request');
    expect(
      openAIErrorFromResponse(
        'openai',
        errorResponse(500, { message: 'The server had an error', type: 'server_error', param: null, code: null }),
        [],
      ).retryable,
    ).toBe(true);
    expect(openAIErrorFromResponse('openai', { status: 502, headers: {}, body: Buffer.from('<html>Bad gateway</html>') }, []).kind).toBe(
      'upstream_error',
    );
  });

  it('removes the masked key OpenAI echoes, and the call’s own key', () => {
    const key = 'sk-proj-abcdefghijklmnop';
    const error = openAIErrorFromResponse(
      'openai',
      errorResponse(401, {
        message: `Incorrect API key provided: sk-proj-***********mnop. You can find your API key at https://platform.openai.com/account/api-keys. (${key})`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      }),
      [key],
    );
    expect(error.kind).toBe('authentication');
    expect(error.message).toContain('Incorrect API key provided: [REDACTED].');
    expect(error.message).not.toMatch(/mnop|abcdef/);
  });
});
