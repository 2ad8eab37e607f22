import { describe, expect, it } from 'vitest';
import { MalformedResponseError, parseResponseHead } from '../../../../src/providers/common/http1-response-head.js';

/** Latin-1 bytes, so every character below 256 is exactly one byte (as on the wire). */
function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

function parse(text: string) {
  const head = bytes(text);
  return parseResponseHead(head, 0, head.length);
}

/** The error `parse(text)` throws; the test fails if it returns or throws anything but a `MalformedResponseError`. */
function malformed(text: string): MalformedResponseError {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedResponseError);
    return error as MalformedResponseError;
  }
  throw new Error(`expected a MalformedResponseError for ${JSON.stringify(text)}`);
}

describe('parseResponseHead waits for the whole head', () => {
  it('returning undefined until the blank line that ends it has arrived', () => {
    const head = 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n';
    for (let length = 0; length < head.length; length += 1) {
      expect(parse(head.slice(0, length))).toBeUndefined();
    }
    expect(parse(head)).toBeDefined();
  });

  it('not taking a bare LF for a line end', () => {
    expect(parse('HTTP/1.1 200 OK\ncontent-length: 5\n\n')).toBeUndefined();
    expect(parse('HTTP/1.1 200 OK\r\n\n\r\n')).toBeUndefined();
  });

  it('and not looking past the end it is given', () => {
    const head = bytes('HTTP/1.1 200 OK\r\nx-a: 1\r\n\r\n');
    expect(parseResponseHead(head, 0, head.length - 1)).toBeUndefined();
    expect(parseResponseHead(head, 0, head.length)?.end).toBe(head.length);
  });
});

describe('parseResponseHead reads the status line', () => {
  it('of HTTP/1.1, with its status and reason phrase', () => {
    const head = parse('HTTP/1.1 201 Created\r\n\r\n');
    expect(head).toEqual({ minorVersion: 1, status: 201, headers: {}, end: 'HTTP/1.1 201 Created\r\n\r\n'.length });
  });

  it('of HTTP/1.0', () => {
    const head = parse('HTTP/1.0 404 Not Found\r\ncontent-length: 0\r\n\r\n');
    expect(head?.minorVersion).toBe(0);
    expect(head?.status).toBe(404);
  });

  it('without a reason phrase, with an empty one, and with obs-text in it', () => {
    expect(parse('HTTP/1.1 204\r\n\r\n')?.status).toBe(204);
    expect(parse('HTTP/1.1 503 \r\n\r\n')?.status).toBe(503);
    expect(parse('HTTP/1.1 200 \xe7a va\tbien\r\n\r\n')?.status).toBe(200);
  });

  it('of informational answers', () => {
    expect(parse('HTTP/1.1 100 Continue\r\n\r\n')?.status).toBe(100);
    expect(parse('HTTP/1.1 103 Early Hints\r\nlink: </a.png>; rel=preload\r\n\r\n')?.status).toBe(103);
  });

  it.each([
    ['HTTP/2 200'],
    ['HTTP/2.0 200 OK'],
    ['HTTP/1.2 200 OK'],
    ['HTTP/1.1 20'],
    ['HTTP/1.1 2000'],
    ['HTTP/1.1 099 Low'],
    ['HTTP/1.1 abc'],
    ['HTTP/1.1  200 OK'],
    ['HTTP/1.1 200OK'],
    ['http/1.1 200 OK'],
    [' HTTP/1.1 200 OK'],
    ['ICY 200 OK'],
    [''],
    ['HTTP/1.1 200 O\rK'],
    ['HTTP/1.1 200 O\0K'],
  ])('refusing the status line %j', (statusLine) => {
    expect(malformed(`${statusLine}\r\ncontent-length: 0\r\n\r\n`).message).toContain('bad status line');
  });

  it('in an error that says what it is', () => {
    const error = malformed('HTTP/2 200\r\n\r\n');
    expect(error.code).toBe('IMAGEROUTER_MALFORMED_RESPONSE');
    expect(error.name).toBe('MalformedResponseError');
    expect(error.message).toBe("malformed HTTP response: bad status line 'HTTP/2 200'");
  });
});

describe('parseResponseHead reads the header fields', () => {
  it('with lower-cased names', () => {
    const head = parse('HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nX-REQUEST-ID: abc\r\netag: "1"\r\n\r\n');
    expect(head?.headers).toEqual({ 'content-type': 'image/png', 'x-request-id': 'abc', etag: '"1"' });
  });

  it('a field sent more than once as an array of its values, in order, whatever the case of its name', () => {
    const head = parse(
      'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nx-one: only\r\nset-cookie: b=2\r\nSET-COOKIE: c=3\r\nVary: accept\r\nvary: origin\r\n\r\n',
    );
    expect(head?.headers).toEqual({ 'set-cookie': ['a=1', 'b=2', 'c=3'], 'x-one': 'only', vary: ['accept', 'origin'] });
  });

  it('trimming the spaces and tabs around a value, but not inside it', () => {
    const head = parse('HTTP/1.1 200 OK\r\nx-a: \t value  with\tinner  spaces \t \r\nx-b:tight\r\nx-empty:\r\nx-blank: \t \r\n\r\n');
    expect(head?.headers).toEqual({ 'x-a': 'value  with\tinner  spaces', 'x-b': 'tight', 'x-empty': '', 'x-blank': '' });
  });

  it('keeping obs-text in a value byte for byte (as latin1)', () => {
    expect(parse('HTTP/1.1 200 OK\r\nx-name: caf\xe9 \xff\r\n\r\n')?.headers['x-name']).toBe('caf\xe9 \xff');
  });

  it('keeping a colon inside a value', () => {
    expect(parse('HTTP/1.1 200 OK\r\nlocation: http://127.0.0.1:8080/a?b=c:d\r\n\r\n')?.headers['location']).toBe(
      'http://127.0.0.1:8080/a?b=c:d',
    );
  });

  it('named constructor, like a member of Object.prototype, as an ordinary field', () => {
    // Legal token names: the parser must not mistake the prototype's members for an earlier value of the field.
    const head = parse('HTTP/1.1 200 OK\r\nConstructor: a\r\ncontent-length: 0\r\n\r\n');
    expect(Object.getOwnPropertyDescriptor(head?.headers, 'constructor')?.value).toBe('a');
    expect(head?.headers['content-length']).toBe('0');
  });

  it('named __proto__ as an ordinary field, without touching the prototype', () => {
    const head = parse('HTTP/1.1 200 OK\r\n__proto__: a\r\n\r\n');
    expect(Object.getOwnPropertyDescriptor(head?.headers, '__proto__')?.value).toBe('a');
  });
});

describe('parseResponseHead refuses what RFC 9112 does not let a recipient accept', () => {
  it('a folded field (obs-fold), with a space or a tab', () => {
    expect(malformed('HTTP/1.1 200 OK\r\nx-a: one\r\n two\r\n\r\n').message).toContain('obs-fold');
    expect(malformed('HTTP/1.1 200 OK\r\nx-a: one\r\n\ttwo\r\n\r\n').message).toContain('obs-fold');
  });

  it('a field line without a colon', () => {
    expect(malformed('HTTP/1.1 200 OK\r\ncontent-length 5\r\n\r\nhello').message).toContain("bad header field 'content-length 5'");
  });

  it('whitespace between the field name and the colon', () => {
    malformed('HTTP/1.1 200 OK\r\ncontent-length : 5\r\n\r\n');
    malformed('HTTP/1.1 200 OK\r\ntransfer-encoding\t: chunked\r\n\r\n');
  });

  it('an empty field name, or one with characters outside a token', () => {
    malformed('HTTP/1.1 200 OK\r\n: empty\r\n\r\n');
    malformed('HTTP/1.1 200 OK\r\nx(a): 1\r\n\r\n');
    malformed('HTTP/1.1 200 OK\r\nx\xe9: 1\r\n\r\n');
    malformed('HTTP/1.1 200 OK\r\nx\0y: 1\r\n\r\n');
  });

  it.each([
    ['a CR', 'x-a: one\rtwo'],
    ['a bare LF', 'x-a: one\ntwo'],
    ['a NUL', 'x-a: one\0two'],
    ['another control character', 'x-a: one\x7ftwo'],
  ])('a value holding %s', (_what, line) => {
    expect(malformed(`HTTP/1.1 200 OK\r\n${line}\r\n\r\n`).message).toBe("malformed HTTP response: bad value in header field 'x-a'");
  });

  it('naming the offending line with its control characters shown as ?', () => {
    expect(malformed('HTTP/1.1 200\tOK\0\r\n\r\n').message).toBe("malformed HTTP response: bad status line 'HTTP/1.1 200?OK?'");
  });

  it('naming a long offending line by its first 80 characters and an ellipsis', () => {
    const long = `x-long ${'v'.repeat(200)}`;
    const error = malformed(`HTTP/1.1 200 OK\r\n${long}\r\n\r\n`);
    expect(error.message).toBe(`malformed HTTP response: bad header field '${long.slice(0, 80)}…'`);
  });
});

describe('parseResponseHead reports where the head ends', () => {
  it('just past the blank line', () => {
    const text = 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n';
    expect(parse(text)?.end).toBe(text.length);
  });

  it('when the head starts inside the buffer and body bytes follow it', () => {
    const before = 'hello'; // the end of an earlier body
    const head = 'HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n';
    const body = 'next body\r\n\r\n';
    const buffer = bytes(`${before}${head}${body}`);
    const parsed = parseResponseHead(buffer, before.length, buffer.length);
    expect(parsed?.status).toBe(200);
    expect(parsed?.headers).toEqual({ 'content-length': '11' });
    expect(parsed?.end).toBe(before.length + head.length);
    expect(buffer.toString('latin1', parsed!.end)).toBe(body);
  });

  it('for the first of two heads in a row (a 100 Continue and the answer)', () => {
    const informational = 'HTTP/1.1 100 Continue\r\n\r\n';
    const final = 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n';
    const buffer = bytes(`${informational}${final}`);
    const first = parseResponseHead(buffer, 0, buffer.length);
    expect(first).toEqual({ minorVersion: 1, status: 100, headers: {}, end: informational.length });
    const second = parseResponseHead(buffer, first!.end, buffer.length);
    expect(second).toEqual({ minorVersion: 1, status: 200, headers: { 'content-length': '0' }, end: buffer.length });
  });

  it('never before the start it was given, even when a blank line comes earlier in the buffer', () => {
    const buffer = bytes('x\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
    expect(parseResponseHead(buffer, 5, buffer.length)).toEqual({ minorVersion: 1, status: 204, headers: {}, end: buffer.length });
  });
});
