import { describe, expect, it } from 'vitest';
import { encodeMultipartForm, isMultipartBody, type MultipartField } from '../../../../src/providers/common/multipart-form.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x22, 0x0d, 0x0a]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x2d, 0x2d, 0x0a, 0xff, 0xd9]);

const FIELDS: MultipartField[] = [
  { name: 'model', value: 'gpt-image-2' },
  // Line endings become CRLF in values; quotes and line breaks are escaped in names.
  { name: 'prompt', value: 'line one\nline two\rline three\r\nend "quoted"' },
  { name: 'we"ird\nname', value: '' },
  { name: 'image[]', file: { bytes: PNG, filename: 'image-1.png', contentType: 'image/png' } },
  { name: 'image[]', file: { bytes: JPEG, filename: 'a "b"\r\n.jpg', contentType: 'image/jpeg' } },
  { name: 'n', value: '1' },
];

function joined(parts: readonly Buffer[]): Buffer {
  return Buffer.concat(parts);
}

describe('encodeMultipartForm', () => {
  it('writes what a FormData serializes, byte for byte but for the boundary', async () => {
    const body = encodeMultipartForm(FIELDS);
    const form = new FormData();
    for (const field of FIELDS) {
      if ('file' in field) form.append(field.name, new Blob([field.file.bytes], { type: field.file.contentType }), field.file.filename);
      else form.append(field.name, field.value);
    }
    const reference = new Response(form);
    const referenceBoundary = /boundary=(.+)$/.exec(reference.headers.get('content-type') ?? '')?.[1];
    const boundary = /boundary=(.+)$/.exec(body.contentType)?.[1];
    expect(body.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(referenceBoundary).toBeDefined();
    expect(boundary).toBeDefined();
    const expected = Buffer.from(await reference.arrayBuffer())
      .toString('latin1')
      .replaceAll(referenceBoundary!, boundary!);
    expect(joined(body.parts).toString('latin1')).toBe(expected);
    expect(body.length).toBe(joined(body.parts).length);
  });

  it('parses back to the same fields and files, in order', async () => {
    const body = encodeMultipartForm(FIELDS);
    const form = await new Response(joined(body.parts), { headers: { 'content-type': body.contentType } }).formData();
    expect(form.get('model')).toBe('gpt-image-2');
    expect(form.get('prompt')).toBe('line one\r\nline two\r\nline three\r\nend "quoted"');
    const images = form.getAll('image[]') as File[];
    expect(images.map((image) => image.type)).toEqual(['image/png', 'image/jpeg']);
    expect(Buffer.from(await images[0]!.arrayBuffer()).equals(PNG)).toBe(true);
    expect(Buffer.from(await images[1]!.arrayBuffer()).equals(JPEG)).toBe(true);
    expect(form.get('n')).toBe('1');
  });

  it('references the file buffers instead of copying them', () => {
    const body = encodeMultipartForm(FIELDS);
    expect(body.parts).toContain(PNG);
    expect(body.parts).toContain(JPEG);
  });

  it('draws a new boundary for every body', () => {
    expect(encodeMultipartForm(FIELDS).contentType).not.toBe(encodeMultipartForm(FIELDS).contentType);
  });

  it('is told apart from other bodies', () => {
    expect(isMultipartBody(encodeMultipartForm([]))).toBe(true);
    expect(isMultipartBody(new FormData())).toBe(false);
    expect(isMultipartBody('text')).toBe(false);
    expect(isMultipartBody(Buffer.from('bytes'))).toBe(false);
  });
});
