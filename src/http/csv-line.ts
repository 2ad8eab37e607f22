/**
 * One CSV record (RFC 4180): fields with a comma, quote, CR or LF are quoted and quotes doubled;
 * `null` is an empty field; records end with CRLF.
 */
export function csvLine(fields: ReadonlyArray<string | number | boolean | null>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
