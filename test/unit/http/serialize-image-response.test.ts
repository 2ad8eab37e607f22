import { describe, expect, it } from 'vitest';
import type { Base64Text } from '../../../src/domain/base64-text.js';
import type { GenerationOutput } from '../../../src/generation/generate-images.js';
import { serializeImageResponse } from '../../../src/http/serialize-image-response.js';

const PNG_BASE64 = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');

function output(overrides: Partial<GenerationOutput> = {}): GenerationOutput {
  return {
    id: 'gen-1',
    created: 1_764_950_400_000,
    data: [{ revised_prompt: null, b64_json: Buffer.from(PNG_BASE64, 'latin1') }],
    latency: 1234,
    cost: 0.04,
    warnings: [],
    attempts: [],
    ...overrides,
  };
}

/** What `JSON.stringify` writes for the same body with the base64 as strings: the reference. */
function reference(value: GenerationOutput): string {
  const text = (b64: Base64Text) => (Buffer.isBuffer(b64) ? b64 : Buffer.concat(b64)).toString('latin1');
  return JSON.stringify({
    created: value.created,
    data: value.data.map((item) => ('url' in item ? item : { revised_prompt: item.revised_prompt, b64_json: text(item.b64_json) })),
    latency: value.latency,
    cost: value.cost,
    id: value.id,
    ...(value.warnings.length > 0 ? { warnings: value.warnings } : {}),
  });
}

function joined(body: ReturnType<typeof serializeImageResponse>): Buffer {
  return Buffer.concat(body.parts);
}

describe('serializeImageResponse', () => {
  const cases: Array<[string, GenerationOutput]> = [
    ['one image, no warnings', output()],
    [
      'several images in several parts each, text that needs escaping, warnings',
      output({
        data: [
          {
            revised_prompt: 'a "quoted" \\ prompt\n with \u2028 and 🦊',
            b64_json: [Buffer.from(PNG_BASE64.slice(0, 7)), Buffer.from(PNG_BASE64.slice(7))],
          },
          // Text that looks like a placeholder must come out as itself.
          { revised_prompt: '@@b64-0123456789abcdef-0@@', b64_json: Buffer.from(PNG_BASE64) },
        ],
        warnings: [{ type: 'adapted', setting: 'size', message: '\'size\' "1000x1000" was rounded' }],
      }),
    ],
    [
      'hosted URLs only',
      output({
        data: [
          { revised_prompt: null, url: 'https://images.example.com/a.png?sig=a%2Fb&x="y"' },
          { revised_prompt: 'second', url: 'https://images.example.com/b.png' },
        ],
      }),
    ],
    ['no images', output({ data: [] })],
  ];

  it.each(cases)('writes the same bytes as JSON.stringify: %s', (_name, value) => {
    const body = serializeImageResponse(value);
    const bytes = joined(body);
    expect(bytes.toString('utf8')).toBe(reference(value));
    expect(body.length).toBe(bytes.length);
  });

  it('splices the base64 in as the very buffers it was given, never a copy', () => {
    const first = Buffer.from(PNG_BASE64.slice(0, 9));
    const second = Buffer.from(PNG_BASE64.slice(9));
    const body = serializeImageResponse(output({ data: [{ revised_prompt: null, b64_json: [first, second] }] }));
    expect(body.parts.filter((part) => part === first || part === second)).toHaveLength(2);
  });
});
