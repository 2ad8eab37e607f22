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

/** The most bytes the text can decode to (padding and stray characters make it fewer). */
export function decodedLengthBound(text: Base64Text): number {
  return Math.ceil(base64Length(text) / 4) * 3;
}

/** Base64 characters decoded per step: small strings stay in the young generation, cheap to collect. */
const DECODE_CHUNK_CHARS = 64 * 1024;

/**
 * The text decoded into one buffer, piecewise rather than through a multi-megabyte string. Each
 * step decodes a multiple of 4 characters of one part; the 1-3 left over at a part's end are
 * completed by the next part's first characters into one quad of their own, so where the parts
 * split the text never changes the bytes, and no step copies a string twice. Decodes into `into` when
 * given (at least `decodedLengthBound(text)` bytes); the result is a view of its first bytes.
 */
export function decodeBase64Text(text: Base64Text, into?: Buffer): Buffer {
  const bound = decodedLengthBound(text);
  // `Buffer#write` stops quietly at the end of its target: a short one would cut the image.
  if (into && into.length < bound) throw new RangeError(`decodeBase64Text: a ${into.length}-byte target for up to ${bound} bytes`);
  const target = into ?? Buffer.allocUnsafe(bound);
  let written = 0;
  let carry = '';
  for (const part of base64Parts(text)) {
    let start = 0;
    if (carry.length > 0) {
      start = Math.min(part.length, 4 - carry.length);
      carry += part.toString('latin1', 0, start);
      if (carry.length < 4) continue;
      written += target.write(carry, written, 'base64');
      carry = '';
    }
    const aligned = part.length - ((part.length - start) % 4);
    for (let from = start; from < aligned; from += DECODE_CHUNK_CHARS) {
      written += target.write(part.toString('latin1', from, Math.min(aligned, from + DECODE_CHUNK_CHARS)), written, 'base64');
    }
    carry = part.toString('latin1', aligned, part.length);
  }
  if (carry.length > 0) written += target.write(carry, written, 'base64');
  return target.subarray(0, written);
}
