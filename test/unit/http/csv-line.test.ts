import { describe, expect, it } from 'vitest';
import { csvLine } from '../../../src/http/csv-line.js';
import { parseCsv } from '../../helpers/parse-csv.js';

describe('csvLine (RFC 4180)', () => {
  it('quotes only fields that need it, doubles quotes, and ends records with CRLF', () => {
    expect(csvLine(['a', 1, null, true])).toBe('a,1,,true\r\n');
    expect(csvLine(['x,y', 'say "hi"', 'two\nlines', 'cr\r'])).toBe('"x,y","say ""hi""","two\nlines","cr\r"\r\n');
  });

  it('round-trips through a CSV parser', () => {
    const fields = ['plain', 'with, comma', '"quoted"', 'multi\r\nline', ''];
    expect(parseCsv(csvLine(fields) + csvLine(['second']))).toEqual([fields, ['second']]);
  });
});
