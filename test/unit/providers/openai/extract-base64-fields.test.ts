import { describe, expect, it } from 'vitest';
import { base64Parts, type Base64Text } from '../../../../src/domain/base64-text.js';
import { ChunkCollector } from '../../../../src/providers/common/chunk-collector.js';
import { ChunkedBytes } from '../../../../src/providers/common/chunked-bytes.js';
import { base64Value, JSON_SCAN_BYTES, parseJsonWithBase64 } from '../../../../src/providers/openai/extract-base64-fields.js';

/** One buffer or its chunks, as the upstream fetch would hand them over without notes. */
function parse(body: Buffer | readonly Buffer[]) {
  return parseJsonWithBase64(new ChunkedBytes(Buffer.isBuffer(body) ? [body] : body), 'b64_json');
}

/** A small deterministic generator, so a failing seed can be replayed. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}
type Random = ReturnType<typeof random>;

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Strings that would fool a naive byte search: quotes, backslashes, the key itself, non-ASCII. */
const NASTY_STRINGS = ['b64_json', '"b64_json":"', '\\', '\\"', 'x\\"b64_json\\":\\"AAAA', 'é€😀', '\u0000\u001f', '', 'url', '"}]'];
const KEYS = ['b64_json', 'url', 'revised_prompt', 'data', 'usage', 'b64_json ', 'B64_JSON', 'x"b64_json', 'b64_json\\', 'é'];

function base64(rng: Random): string {
  const length = rng.int(40) * 4;
  let text = '';
  for (let index = 0; index < length; index += 1) text += BASE64_ALPHABET[rng.int(64)];
  return rng.next() < 0.3 ? `${text.slice(0, -2)}==` : text;
}

function value(rng: Random, depth: number): unknown {
  const roll = rng.int(depth > 3 ? 4 : 7);
  switch (roll) {
    case 0:
      return rng.pick(NASTY_STRINGS) + base64(rng).slice(0, rng.int(8));
    case 1:
      return rng.int(1000) - 500 + (rng.next() < 0.3 ? 0.5 : 0);
    case 2:
      return rng.pick([true, false, null]);
    case 3:
      return base64(rng);
    case 4:
    case 5:
      return object(rng, depth + 1);
    default:
      return Array.from({ length: rng.int(4) }, () => value(rng, depth + 1));
  }
}

function object(rng: Random, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (let count = rng.int(5); count > 0; count -= 1) {
    const key = rng.pick(KEYS);
    // `b64_json` holds base64 text, or something that isn't a string at all; never a number,
    // which the extractor uses for its own references.
    result[key] = key === 'b64_json' ? (rng.next() < 0.8 ? base64(rng) : rng.pick([null, {}, [], true])) : value(rng, depth);
  }
  return result;
}

/** Serialises with random whitespace around every `:` and `,`, as different encoders do. */
function serialise(rng: Random, data: unknown): string {
  const space = () => rng.pick(['', '', ' ', '\n  ', '\t']);
  const write = (item: unknown): string => {
    if (Array.isArray(item)) return `[${space()}${item.map(write).join(`${space()},${space()}`)}${space()}]`;
    if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item).map(([key, entry]) => `${JSON.stringify(key)}${space()}:${space()}${write(entry)}`);
      return `{${space()}${entries.join(`,${space()}`)}${space()}}`;
    }
    return JSON.stringify(item);
  };
  return write(data);
}

/** Puts the extracted values back where their references are, to compare with `JSON.parse`. */
function rehydrate(json: unknown, values: Base64Text[]): unknown {
  if (Array.isArray(json)) return json.map((item) => rehydrate(item, values));
  if (json !== null && typeof json === 'object') {
    return Object.fromEntries(
      Object.entries(json).map(([key, item]) => [
        key,
        key === 'b64_json' && typeof item === 'number' ? textOf(values[item]!) : rehydrate(item, values),
      ]),
    );
  }
  return json;
}

/** How many `b64_json` keys hold a string anywhere in `data`. */
function base64FieldCount(data: unknown): number {
  if (Array.isArray(data)) return data.reduce((sum: number, item) => sum + base64FieldCount(item), 0);
  if (data === null || typeof data !== 'object') return 0;
  return Object.entries(data).reduce(
    (sum, [key, item]) => sum + (key === 'b64_json' && typeof item === 'string' ? 1 : base64FieldCount(item)),
    0,
  );
}

function textOf(value: Base64Text): string {
  return Buffer.concat(base64Parts(value)).toString('latin1');
}

/** `body` cut into chunks at random places (some a single byte), as sockets deliver a body. */
function splitAtRandom(rng: Random, body: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < body.length;) {
    const size = rng.next() < 0.3 ? 1 : 1 + rng.int(Math.max(1, body.length / 3));
    chunks.push(body.subarray(start, start + size));
    start += size;
  }
  return chunks;
}

describe('parseJsonWithBase64', () => {
  it('agrees with JSON.parse on 2,000 random bodies with tricky keys, strings and whitespace', () => {
    let extractedCount = 0;
    for (let seed = 1; seed <= 2000; seed += 1) {
      const rng = random(seed);
      const data = { created: 1713833628, data: Array.from({ length: rng.int(4) }, () => object(rng, 1)), extra: object(rng, 1) };
      const body = Buffer.from(serialise(rng, data), 'utf8');
      const parsed = parse(body);
      expect(parsed, `seed ${seed}`).toBeDefined();
      expect(rehydrate(parsed!.json, parsed!.values), `seed ${seed}`).toEqual(JSON.parse(body.toString('utf8')));
      // Base64 has no escapes, so every string under the exact key is sliced: none is left to the fallback.
      expect(parsed!.values.length, `seed ${seed}`).toBe(base64FieldCount(data));
      extractedCount += parsed!.values.length;
      // The same body as the chunks a socket might deliver: the same answer, wherever the cuts fall.
      const chunks = splitAtRandom(rng, body);
      const chunked = parse(chunks);
      expect(chunked!.json, `seed ${seed} chunked`).toEqual(parsed!.json);
      expect(chunked!.values.map(textOf), `seed ${seed} chunked`).toEqual(parsed!.values.map(textOf));
      // And as the upstream fetch hands it over: the quotes and backslashes noted as the chunks
      // arrived, runs of them joined, the searches trusting those notes.
      const collector = new ChunkCollector({ joinEvery: 1 + rng.int(4), noteBytes: JSON_SCAN_BYTES });
      for (const chunk of chunks) collector.push(chunk);
      const noted = parseJsonWithBase64(collector.bytes(), 'b64_json');
      expect(noted!.json, `seed ${seed} noted`).toEqual(parsed!.json);
      expect(noted!.values.map(textOf), `seed ${seed} noted`).toEqual(parsed!.values.map(textOf));
    }
    expect(extractedCount).toBeGreaterThan(500);
  });

  it('slices the values out of the body without copying them', () => {
    const image = Buffer.alloc(3 * 1024 * 1024, 7).toString('base64');
    const body = Buffer.from(
      JSON.stringify({ created: 1, data: [{ b64_json: image }, { b64_json: image }], usage: { output_tokens: 1056 } }),
    );
    const parsed = parse(body)!;
    expect(parsed.json).toEqual({ created: 1, data: [{ b64_json: 0 }, { b64_json: 1 }], usage: { output_tokens: 1056 } });
    expect(parsed.values.map((value) => Buffer.isBuffer(value) && value.buffer === body.buffer)).toEqual([true, true]);
    expect(textOf(parsed.values[1]!)).toBe(image);
  });

  it('keeps a value that spans chunks as views into those chunks, in order', () => {
    const image = Buffer.alloc(300 * 1024, 9).toString('base64');
    const whole = Buffer.from(JSON.stringify({ data: [{ b64_json: image }], usage: { output_tokens: 7 } }));
    const chunks = [0, 65_536, 131_072, 196_608, 262_144, 327_680].map((start, index, starts) =>
      Buffer.from(whole.subarray(start, starts[index + 1] ?? whole.length)),
    );
    const parsed = parse(chunks)!;
    expect(parsed.json).toEqual({ data: [{ b64_json: 0 }], usage: { output_tokens: 7 } });
    const parts = base64Parts(parsed.values[0]!);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((part) => chunks.some((chunk) => chunk.buffer === part.buffer))).toBe(true);
    expect(textOf(parsed.values[0]!)).toBe(image);
  });

  it('finds the key and escapes wherever a cut falls: every split point of a tricky body', () => {
    const body = Buffer.from('{"a\\\\":"\\\\\\"b64_json","b64_json" : "QUJDREVG","x":["é\\\\",{"b64_json":"R0hJ"}]}');
    const expected = parse(body)!;
    expect(expected.values.map(textOf)).toEqual(['QUJDREVG', 'R0hJ']);
    for (let cut = 0; cut <= body.length; cut += 1) {
      for (const second of [cut, Math.min(body.length, cut + 1), Math.min(body.length, cut + 7)]) {
        const chunks = [body.subarray(0, cut), body.subarray(cut, second), body.subarray(second)];
        const parsed = parse(chunks);
        expect(parsed?.json, `cut ${cut}/${second}`).toEqual(expected.json);
        expect(parsed?.values.map(textOf), `cut ${cut}/${second}`).toEqual(['QUJDREVG', 'R0hJ']);
      }
    }
  });

  it('leaves a value with an escape in it to JSON.parse (some encoders write \\/)', () => {
    const body = Buffer.from('{"data":[{"b64_json":"iVBORw0KGgo\\/AAAA"},{"b64_json":"QUJD"}]}');
    const parsed = parse(body)!;
    expect(parsed.values).toEqual([]);
    expect(parsed.json).toEqual({ data: [{ b64_json: 'iVBORw0KGgo/AAAA' }, { b64_json: 'QUJD' }] });
    expect(textOf(base64Value((parsed.json as { data: Array<{ b64_json: unknown }> }).data[0]!.b64_json, parsed.values)!)).toBe(
      'iVBORw0KGgo/AAAA',
    );
  });

  it('does not take a key that only ends in b64_json after an escaped quote', () => {
    const body = Buffer.from('{"a\\"b64_json":"QUJD","b64_json":"REVG"}');
    const parsed = parse(body)!;
    expect(parsed.values.map(textOf)).toEqual(['REVG']);
    expect(parsed.json).toEqual({ 'a"b64_json': 'QUJD', b64_json: 0 });
  });

  it('returns undefined for bodies that are not JSON: truncated inside or after a value, HTML', () => {
    const full = JSON.stringify({ data: [{ b64_json: 'QUJDREVG'.repeat(100) }], usage: { output_tokens: 5 } });
    expect(parse(Buffer.from(full.slice(0, full.length / 2)))).toBeUndefined();
    expect(parse(Buffer.from(full.slice(0, -3)))).toBeUndefined();
    expect(parse(Buffer.from('<html><body>Bad gateway</body></html>'))).toBeUndefined();
    expect(parse(Buffer.from('{"data":[{"b64_json":"QUJD"}]}x'))).toBeUndefined();
  });

  it('parses bodies without the field as plain JSON', () => {
    expect(parse(Buffer.from('{"data":[{"url":"https://cdn/x.png"}]}'))).toEqual({
      json: { data: [{ url: 'https://cdn/x.png' }] },
      values: [],
    });
  });
});
