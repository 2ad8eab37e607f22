/**
 * A JSON reader for image responses that carry megabytes of base64 (a 1024x1024 PNG is ~1.9 MB
 * of `b64_json`). `JSON.parse` would copy every such value into a JS string, and the gateway would
 * copy it back into bytes; here each `"<field>": "<base64>"` value is sliced out of the body as a
 * Buffer view (no copy) and only the small remainder is parsed.
 *
 * Why byte scanning is safe: outside strings, valid JSON has no `"` bytes, so jumping from one
 * quote to the next visits every string; a quote is escaped only after an odd run of backslashes;
 * and UTF-8 never uses the bytes `"` or `\` inside a multi-byte character. Base64 needs no escapes,
 * so a value with a backslash in it (`\/`, which some encoders write) is left to `JSON.parse`.
 */

import type { Base64Text } from '../../domain/base64-text.js';
import type { ChunkedBytes } from '../common/chunked-bytes.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** The bytes this reader searches a body for: noted as an answer arrives, they are found without a second pass (`ChunkedBytes`). */
export const JSON_SCAN_BYTES: readonly number[] = [QUOTE, BACKSLASH];

export interface JsonWithBase64 {
  /**
   * The parsed body. Every extracted `<field>` value is replaced by its index in `values` (a number:
   * a real base64 value is always a string, so the two never mix up).
   */
  json: unknown;
  /**
   * The extracted values, base64 text as ASCII bytes: views into the body, not copies (several
   * views, in order, when a value spans chunks of a body kept as it arrived).
   */
  values: Base64Text[];
}

/**
 * Parses `bytes` (the body as the chunks it arrived in, ideally with `JSON_SCAN_BYTES` noted) as
 * JSON with the string values of `field` (e.g. `b64_json`) extracted. `undefined` when the body is
 * not valid JSON (truncated, an HTML error page, ...).
 */
export function parseJsonWithBase64(bytes: ChunkedBytes, field: string): JsonWithBase64 | undefined {
  const fieldBytes = Buffer.from(field, 'utf8');
  const values: Base64Text[] = [];
  const pieces: Buffer[] = [];
  let pieceStart = 0;
  let position = 0;
  // The first backslash at or after the last search point, searched again only once passed (the
  // search points only move forward, so one pass over the body finds them all); -1 when none is left.
  let nextBackslash = -2;
  const backslashFrom = (from: number): number => {
    if (nextBackslash !== -1 && nextBackslash < from) nextBackslash = bytes.indexOf(BACKSLASH, from);
    return nextBackslash;
  };
  /** The closing quote of the string whose content starts at `start`, or -1 when it never closes. */
  const stringEnd = (start: number): number => {
    let search = start;
    for (;;) {
      const quote = bytes.indexOf(QUOTE, search);
      if (quote === -1) return -1;
      const backslash = backslashFrom(search);
      if (backslash === -1 || backslash > quote) return quote;
      let run = 0;
      while (quote - run - 1 >= start && bytes.at(quote - run - 1) === BACKSLASH) run += 1;
      if (run % 2 === 0) return quote;
      search = quote + 1;
    }
  };
  const skipWhitespace = (from: number): number => {
    let cursor = from;
    while (cursor < bytes.length && JSON_WHITESPACE.has(bytes.at(cursor)!)) cursor += 1;
    return cursor;
  };

  for (;;) {
    const open = bytes.indexOf(QUOTE, position);
    if (open === -1) break;
    const close = stringEnd(open + 1);
    if (close === -1) return undefined;
    position = close + 1;
    if (close - open - 1 !== fieldBytes.length || !bytes.startsWith(fieldBytes, open + 1)) continue;
    const colon = skipWhitespace(close + 1);
    if (bytes.at(colon) !== COLON) continue;
    const valueOpen = skipWhitespace(colon + 1);
    if (bytes.at(valueOpen) !== QUOTE) continue;
    const valueStart = valueOpen + 1;
    const valueEnd = bytes.indexOf(QUOTE, valueStart);
    if (valueEnd === -1) return undefined;
    const backslash = backslashFrom(valueStart);
    if (backslash !== -1 && backslash < valueEnd) return parseWhole(bytes);
    pieces.push(...bytes.slices(pieceStart, valueOpen), Buffer.from(String(values.length), 'latin1'));
    const value = bytes.slices(valueStart, valueEnd);
    values.push(value.length === 1 ? value[0]! : value);
    pieceStart = valueEnd + 1;
    position = valueEnd + 1;
  }
  if (values.length === 0) return parseWhole(bytes);
  pieces.push(...bytes.slices(pieceStart, bytes.length));
  const json = parseText(Buffer.concat(pieces).toString('utf8'));
  return json === undefined ? undefined : { json: json.value, values };
}

/** The value of an extracted field as base64 bytes: an index into `values`, or a string `JSON.parse` kept. */
export function base64Value(value: unknown, values: ReadonlyArray<Base64Text>): Base64Text | undefined {
  if (typeof value === 'number') return values[value];
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  return undefined;
}

function parseWhole(bytes: ChunkedBytes): JsonWithBase64 | undefined {
  const json = parseText(bytes.join().toString('utf8'));
  return json === undefined ? undefined : { json: json.value, values: [] };
}

function parseText(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
