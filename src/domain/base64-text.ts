/**
 * Base64 text as ASCII bytes, kept as the upstream's body delivered it: one buffer, or the views
 * into the socket chunks it arrived in when it spans several. Keeping the chunks spares a second
 * multi-megabyte buffer per response, which V8 would have to collect (see docs/performance.md).
 */
export type Base64Text = Buffer | readonly Buffer[];

export function base64Parts(text: Base64Text): readonly Buffer[] {
  return Buffer.isBuffer(text) ? [text] : text;
}

export function base64Length(text: Base64Text): number {
  return Buffer.isBuffer(text) ? text.length : text.reduce((sum, part) => sum + part.length, 0);
}

/** The first `chars` characters as one string: a header read needs no more than a small prefix. */
export function base64Prefix(text: Base64Text, chars: number): string {
  if (Buffer.isBuffer(text)) return text.toString('latin1', 0, Math.min(text.length, chars));
  let prefix = '';
  for (const part of text) {
    if (prefix.length >= chars) break;
    prefix += part.toString('latin1', 0, Math.min(part.length, chars - prefix.length));
  }
  return prefix;
}

/** Base64 characters decoded per step: small strings stay in the young generation, cheap to collect. */
const DECODE_CHUNK_CHARS = 64 * 1024;

/**
 * The text decoded into one buffer, piecewise rather than through a multi-megabyte string. Each
 * step decodes a multiple of 4 characters; the few left over at a part's end are carried into the
 * next, so where the parts split the text never changes the bytes.
 */
export function decodeBase64Text(text: Base64Text): Buffer {
  const target = Buffer.allocUnsafe(Math.ceil(base64Length(text) / 4) * 3);
  let written = 0;
  let carry = '';
  for (const part of base64Parts(text)) {
    for (let start = 0; start < part.length; start += DECODE_CHUNK_CHARS) {
      const piece = carry + part.toString('latin1', start, Math.min(part.length, start + DECODE_CHUNK_CHARS));
      const whole = piece.length - (piece.length % 4);
      carry = piece.slice(whole);
      if (whole > 0) written += target.write(piece.slice(0, whole), written, 'base64');
    }
  }
  if (carry.length > 0) written += target.write(carry, written, 'base64');
  return target.subarray(0, written);
}
