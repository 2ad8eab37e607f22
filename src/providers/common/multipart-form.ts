import { randomBytes } from 'node:crypto';

/** One multipart field as a request builder describes it: text, or a file (kept as bytes so tests can read it). */
export type MultipartField =
  { name: string; value: string } | { name: string; file: { bytes: Buffer; filename: string; contentType: string } };

/**
 * A `multipart/form-data` body as the buffers that go on the wire, in order: small header buffers
 * around the callers' own file buffers, which are referenced, not copied. `upstreamFetch` streams
 * them, so sixteen 6 MB uploads cost their own bytes and not two or three more copies (a `Blob`
 * per file, then the whole body joined into one buffer, as `FormData` through `Response` does).
 */
export interface MultipartBody {
  kind: 'multipart';
  /** `multipart/form-data; boundary=…` */
  contentType: string;
  /** Total bytes of `parts`: the `content-length`. */
  length: number;
  parts: readonly Buffer[];
}

const CRLF = Buffer.from('\r\n');
const BOUNDARY_RANDOM_BYTES = 16;

/**
 * Encodes the fields in order (repeated names such as `image[]` stay repeated), byte for byte as
 * the WHATWG `FormData` serialization does: names and filenames escape `"`, CR and LF; text
 * values get CRLF line endings.
 */
export function encodeMultipartForm(fields: ReadonlyArray<MultipartField>): MultipartBody {
  // Random enough never to occur inside an image, as browsers' and undici's boundaries.
  const boundary = `----formdata-imagerouter-${randomBytes(BOUNDARY_RANDOM_BYTES).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const field of fields) {
    const disposition = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(normalizeLinefeeds(field.name))}"`;
    if ('file' in field) {
      parts.push(
        Buffer.from(
          `${disposition}; filename="${escapeName(field.file.filename)}"\r\nContent-Type: ${field.file.contentType || 'application/octet-stream'}\r\n\r\n`,
        ),
        field.file.bytes,
        CRLF,
      );
    } else {
      parts.push(Buffer.from(`${disposition}\r\n\r\n${normalizeLinefeeds(field.value)}\r\n`));
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    kind: 'multipart',
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: parts.reduce((sum, part) => sum + part.length, 0),
    parts,
  };
}

export function isMultipartBody(body: unknown): body is MultipartBody {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'multipart';
}

function escapeName(text: string): string {
  return text.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
}

function normalizeLinefeeds(text: string): string {
  return text.replace(/\r?\n|\r/g, '\r\n');
}
