import { readdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { expect } from 'vitest';

/**
 * Small HTTP helpers for suites that talk to a listening gateway over real sockets (`fetch`, or
 * `node:http` where the raw path must reach the server unnormalised).
 */

/** Response bodies are JSON the tests index into freely; each test asserts the shape it relies on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberate, see above
export type Json = any;

export interface HttpResult {
  status: number;
  headers: Headers;
  /** The raw body text (heartbeat whitespace included). */
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  body: Json;
}

export interface RequestOptions {
  /** Sent as `Authorization: Bearer <key>`; `null` sends no Authorization header. */
  key?: string | null;
  headers?: Record<string, string>;
}

/** A file part of a multipart form. */
export interface FormFile {
  bytes: Buffer;
  filename: string;
  type?: string;
}

/** Fields in order; repeated names (`image[]`) repeat. */
export type FormFields = Array<[name: string, value: string | FormFile]>;

function authHeaders(options: RequestOptions): Record<string, string> {
  return {
    ...(options.key === undefined || options.key === null ? {} : { authorization: `Bearer ${options.key}` }),
    ...options.headers,
  };
}

async function toResult(response: Response): Promise<HttpResult> {
  const text = await response.text();
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

export async function getJson(baseUrl: string, pathAndQuery: string, options: RequestOptions = {}): Promise<HttpResult> {
  return toResult(await fetch(baseUrl + pathAndQuery, { headers: authHeaders(options) }));
}

export async function postJson(baseUrl: string, pathAndQuery: string, body: unknown, options: RequestOptions = {}): Promise<HttpResult> {
  return postRaw(baseUrl, pathAndQuery, JSON.stringify(body), { ...options, contentType: 'application/json' });
}

/** A POST with exactly this body and Content-Type (none when `contentType` is undefined). */
export async function postRaw(
  baseUrl: string,
  pathAndQuery: string,
  body: string | Buffer | undefined,
  options: RequestOptions & { contentType?: string } = {},
): Promise<HttpResult> {
  const headers = authHeaders(options);
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  return toResult(await fetch(baseUrl + pathAndQuery, { method: 'POST', headers, ...(body === undefined ? {} : { body }) }));
}

export async function postForm(
  baseUrl: string,
  pathAndQuery: string,
  fields: FormFields,
  options: RequestOptions = {},
): Promise<HttpResult> {
  const form = new FormData();
  for (const [name, value] of fields) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([new Uint8Array(value.bytes)], { type: value.type ?? 'application/octet-stream' }), value.filename);
  }
  return toResult(await fetch(baseUrl + pathAndQuery, { method: 'POST', headers: authHeaders(options), body: form }));
}

/** A GET whose path is sent byte for byte (`fetch` would resolve `..` segments before sending). */
export function getRawPath(baseUrl: string, rawPath: string): Promise<HttpResult> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, method: 'GET', path: rawPath }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headers = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (typeof value === 'string') headers.set(name, value);
        }
        let body: Json;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers, text, body });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** Downloads a URL's bytes with its status and headers. */
export async function fetchBytes(url: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

export interface ExpectedError {
  status: number;
  /** `error.param`, when the error is about one parameter. */
  param?: string;
  /** `error.type`, when it matters. */
  type?: string;
  /** `error.code`, when it matters. */
  code?: string;
  /** A text the message must contain (case-insensitive), e.g. the parameter's name. */
  mentions?: string;
}

/**
 * Asserts an error response: the status, a JSON `{error:{message,type,param?}}` body, and that the
 * message or the param names what was wrong.
 */
export function expectApiError(result: HttpResult, expected: ExpectedError): void {
  const context = `${result.status} ${result.text.slice(0, 500)}`;
  expect(result.status, context).toBe(expected.status);
  expect(result.headers.get('content-type'), context).toMatch(/^application\/json/);
  expect(result.body, context).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });
  const error = result.body.error as { message: string; type: string; param?: string };
  expect(error.message.length, context).toBeGreaterThan(0);
  if (expected.param !== undefined) expect(error.param, context).toBe(expected.param);
  if (expected.type !== undefined) expect(error.type, context).toBe(expected.type);
  if (expected.code !== undefined) expect(result.body.error.code, context).toBe(expected.code);
  if (expected.mentions !== undefined) expect(error.message.toLowerCase(), context).toContain(expected.mentions.toLowerCase());
}

/** Every file under `directory`, as sorted paths relative to it (directories end with `/`). */
export async function listTree(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .map((entry) => {
      const relative = path.relative(directory, path.join(entry.parentPath, entry.name));
      return entry.isDirectory() ? `${relative}/` : relative;
    })
    .sort();
}

/** Writes an operator config (`IMAGEROUTER_CONFIG`) into `directory` and returns its path. */
export async function writeOperatorConfig(directory: string, yaml: string): Promise<string> {
  const file = path.join(directory, 'imagerouter-config.yaml');
  await writeFile(file, yaml);
  return file;
}

/** The operator config that makes `test/test` cost $0.01 per image. */
export const PRICED_TEST_MODEL_YAML = 'models:\n  "test/test":\n    pricing: { type: fixed, value: 0.01 }\n';

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`: a
 * generous limit, since it only bounds how long a loaded machine may take to get there.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
