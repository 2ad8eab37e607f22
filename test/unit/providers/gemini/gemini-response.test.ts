import { describe, expect, it } from 'vitest';
import { geminiResult } from '../../../../src/providers/gemini/gemini-response.js';
import { thrownUpstreamError } from '../../../helpers/caught-error.js';

const KEY = 'AIza-response-test-key-0123456789';

/** The error `geminiResult` throws for `body` (fails the test unless it is an `UpstreamError`). */
const failure = (body: unknown) => thrownUpstreamError(() => geminiResult('gemini', body, 1, [KEY]));

const imagePart = (data: string, extra: Record<string, unknown> = {}) => ({ inlineData: { mimeType: 'image/png', data }, ...extra });
const candidate = (parts: unknown[], finishReason = 'STOP') => ({ content: { role: 'model', parts }, finishReason, index: 0 });

describe('geminiResult', () => {
  it('returns the image part as base64 text exactly as sent, skipping text parts', () => {
    const result = geminiResult('gemini', { candidates: [candidate([{ text: 'Here it is.' }, imagePart('iVBORw0KGgo=')])] }, 1, [KEY]);
    expect(result.images).toEqual([{ base64: Buffer.from('iVBORw0KGgo=', 'latin1') }]);
  });

  it('skips Gemini 3 thought images and delivers the final one', () => {
    const result = geminiResult(
      'gemini',
      { candidates: [candidate([imagePart('VGhvdWdodA==', { thought: true }), imagePart('RmluYWw=')])] },
      1,
      [KEY],
    );
    expect(result.images).toEqual([{ base64: Buffer.from('RmluYWw=') }]);
  });

  it('delivers at most the images asked for', () => {
    const result = geminiResult('gemini', { candidates: [candidate([imagePart('QQ=='), imagePart('Qg==')])] }, 1, [KEY]);
    expect(result.images).toHaveLength(1);
  });

  it('maps usage by modality for tokens pricing', () => {
    const result = geminiResult(
      'gemini',
      {
        candidates: [candidate([imagePart('QQ==')])],
        usageMetadata: {
          promptTokenCount: 264,
          candidatesTokenCount: 1291,
          promptTokensDetails: [
            { modality: 'TEXT', tokenCount: 6 },
            { modality: 'IMAGE', tokenCount: 258 },
          ],
          candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1290 }],
        },
      },
      1,
      [KEY],
    );
    expect(result.usage).toEqual({ inputTextTokens: 6, inputImageTokens: 258, outputImageTokens: 1290 });
  });

  it('without details, counts the prompt as text and the output as image tokens', () => {
    const result = geminiResult(
      'gemini',
      { candidates: [candidate([imagePart('QQ==')])], usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 1290 } },
      1,
      [KEY],
    );
    expect(result.usage).toEqual({ inputTextTokens: 12, outputImageTokens: 1290 });
  });

  it('a blocked prompt (200 with promptFeedback.blockReason) is a content-policy error', () => {
    const error = failure({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 12 } });
    expect(error.kind).toBe('content_policy');
    expect(error.status).toBe(400);
    expect(error.message).toContain('PROHIBITED_CONTENT');
  });

  it.each([
    'SAFETY',
    'IMAGE_SAFETY',
    'IMAGE_PROHIBITED_CONTENT',
    'PROHIBITED_CONTENT',
    'BLOCKLIST',
    'SPII',
    'RECITATION',
    'IMAGE_RECITATION',
  ])('finishReason %s without an image is a content-policy error', (finishReason) => {
    const error = failure({ candidates: [{ finishReason, finishMessage: 'filtered', index: 0 }] });
    expect(error.kind).toBe('content_policy');
    expect(error.retryable).toBe(false);
  });

  it.each(['NO_IMAGE', 'IMAGE_OTHER', 'OTHER', 'MAX_TOKENS'])(
    'finishReason %s without an image is a retryable upstream error',
    (finishReason) => {
      const error = failure({ candidates: [{ content: {}, finishReason, index: 0 }] });
      expect(error.kind).toBe('upstream_error');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain(finishReason);
    },
  );

  it('a text-only STOP (the model talked instead of drawing) is a retryable upstream error quoting the text', () => {
    const error = failure({ candidates: [candidate([{ text: 'I would rather describe it.' }])] });
    expect(error.kind).toBe('upstream_error');
    expect(error.message).toContain('I would rather describe it.');
  });

  it('an inline part that is not an image does not count as one', () => {
    expect(failure({ candidates: [candidate([{ inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } }])] }).kind).toBe('upstream_error');
  });

  it('a body that is not an object, or has neither candidates nor a block reason, is malformed', () => {
    expect(failure('hello').message).toContain('malformed');
    expect(failure({}).message).toContain('malformed');
    expect(failure({ candidates: 'nope' }).message).toContain('malformed');
  });
});
