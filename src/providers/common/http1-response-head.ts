/** A response's status line and header fields, as `parseResponseHead` read them. */
export interface ResponseHead {
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minorVersion: 0 | 1;
  status: number;
  /** Lower-case names; a field sent more than once is an array of its values, in order. */
  headers: Record<string, string | string[]>;
  /** Offset just past the blank line that ends the head. */
  end: number;
}

/** The upstream broke HTTP/1.1's syntax: the connection cannot be trusted for anything after it. */
export class MalformedResponseError extends Error {
  readonly code = 'IMAGEROUTER_MALFORMED_RESPONSE';
  constructor(detail: string) {
    super(`malformed HTTP response: ${detail}`);
    this.name = 'MalformedResponseError';
  }
}

const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [\t\x20-\x7e\x80-\xff]*)?$/;
/** A field name as RFC 9110 defines it (a token); used for requests too. */
export const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values as RFC 9110 allows them (visible ASCII, obs-text, spaces and tabs): never CR, LF or NUL.
export const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Reads one response head from `bytes[start, end)`: `undefined` while the blank line that ends it
 * has not arrived. Throws `MalformedResponseError` for anything RFC 9112 does not allow a
 * recipient to accept (a bad status line, obs-fold, a field without a colon or with a space
 * before it), since a lenient reading of a broken head is how responses get smuggled.
 */
export function parseResponseHead(bytes: Buffer, start: number, end: number): ResponseHead | undefined {
  const blank = findBlankLine(bytes, start, end);
  if (blank < 0) return undefined;
  // latin1 keeps every byte as one code unit, so obs-text survives as it came.
  const lines = bytes.toString('latin1', start, blank).split('\r\n');
  const statusLine = STATUS_LINE.exec(lines[0]!);
  if (statusLine === null) throw new MalformedResponseError(`bad status line '${printable(lines[0]!)}'`);
  // No prototype: a field named `constructor` or `__proto__` is a field like any other.
  const headers = Object.create(null) as Record<string, string | string[]>;
  for (let index = 1; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (line.startsWith(' ') || line.startsWith('\t')) throw new MalformedResponseError('folded header field (obs-fold)');
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!FIELD_NAME.test(name)) throw new MalformedResponseError(`bad header field '${printable(line)}'`);
    const value = line.slice(colon + 1).replace(/^[\t ]+|[\t ]+$/g, '');
    if (!FIELD_VALUE.test(value)) throw new MalformedResponseError(`bad value in header field '${name}'`);
    const key = name.toLowerCase();
    const previous = headers[key];
    if (previous === undefined) headers[key] = value;
    else if (typeof previous === 'string') headers[key] = [previous, value];
    else previous.push(value);
  }
  return { minorVersion: statusLine[1] === '1' ? 1 : 0, status: Number(statusLine[2]), headers, end: blank + 4 };
}

/** Where `\r\n\r\n` starts in `bytes[start, end)`, or -1. A bare LF is not a line end here. */
function findBlankLine(bytes: Buffer, start: number, end: number): number {
  const found = bytes.subarray(start, end).indexOf(BLANK_LINE);
  return found < 0 ? -1 : start + found;
}

function printable(text: string): string {
  const shown = text.slice(0, 80).replace(/[^\x20-\x7e]/g, '?');
  return text.length > 80 ? `${shown}…` : shown;
}
