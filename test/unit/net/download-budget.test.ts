import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAddressPolicy } from '../../../src/net/address-policy.js';
import { DownloadBudget } from '../../../src/net/download-budget.js';
import { DownloadError, downloadErrorToApiError } from '../../../src/net/download-error.js';
import { downloadImageUrl, type DownloadImageOptions } from '../../../src/net/guarded-download.js';

const KIB = 1024;
const MEBIBYTE = 1024 * KIB;
const CHUNK = 64 * KIB;

interface TestServer {
  url(path: string): string;
  openConnections(): number;
  /** Bytes handed to the socket so far, over all responses. */
  bytesWritten(): number;
}

const servers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

/**
 * Serves `size` bytes per request (endless when undefined), in 64 KiB chunks with backpressure and
 * no Content-Length unless `declareLength`, counting every byte it gets onto the socket.
 */
async function startServer(size: number | undefined, declareLength = false): Promise<TestServer> {
  let written = 0;
  const sockets = new Set<Socket>();
  const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'image/png', ...(declareLength && size !== undefined ? { 'content-length': size } : {}) });
    let left = size ?? Number.POSITIVE_INFINITY;
    const pump = (): void => {
      while (!response.destroyed && left > 0) {
        const chunk = Buffer.alloc(Math.min(CHUNK, left), 1);
        left -= chunk.length;
        written += chunk.length;
        if (!response.write(chunk)) break;
      }
      if (response.destroyed) return;
      if (left > 0) response.once('drain', pump);
      else response.end();
    };
    pump();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: (path) => `http://127.0.0.1:${port}${path}`, openConnections: () => sockets.size, bytesWritten: () => written };
}

function options(budget: DownloadBudget, maxBytes = 50 * MEBIBYTE): DownloadImageOptions {
  return { policy: createAddressPolicy(['127.0.0.1']), maxBytes, timeoutMs: 5_000, budget };
}

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

describe('DownloadBudget', () => {
  it('hands out bytes until the limit and never part of a request', () => {
    const budget = new DownloadBudget(100);
    expect(budget.take(60)).toBe(true);
    expect(budget.take(40)).toBe(true);
    expect(budget.received).toBe(100);
    expect(budget.remaining).toBe(0);
    expect(budget.take(1)).toBe(false);
    expect(budget.received).toBe(100);
  });

  it('gives nothing more once a request was refused, so the other downloads stop too', () => {
    const budget = new DownloadBudget(100);
    expect(budget.take(30)).toBe(true);
    expect(budget.take(80)).toBe(false);
    expect(budget.received).toBe(30);
    expect(budget.remaining).toBe(0);
    expect(budget.take(10)).toBe(false);
  });
});

describe('downloadImageUrl with a shared budget', () => {
  it('stops an endless body at the budget, far below maxBytes, and closes the connection', async () => {
    const server = await startServer(undefined);
    const budget = new DownloadBudget(256 * KIB);
    const error = await failure(downloadImageUrl(server.url('/endless'), options(budget)));
    expect(error.reason).toBe('budget_exceeded');
    expect(error.message).toBe(`download exceeded ${256 * KIB} bytes, the most all downloads of one request may take together`);
    // Never more than the budget is kept, and the chunk that would pass it is dropped.
    expect(budget.received).toBeLessThanOrEqual(256 * KIB);
    expect(budget.received).toBeGreaterThan(256 * KIB - 2 * CHUNK);
    await vi.waitFor(() => expect(server.openConnections()).toBe(0), { timeout: 10_000, interval: 10 });
    // The server stopped long before the 50 MB per-download cap: it did not have to send it all.
    expect(server.bytesWritten()).toBeLessThan(16 * MEBIBYTE);
  });

  it('rejects a declared Content-Length over what is left, without reading the body', async () => {
    const server = await startServer(300 * KIB, true);
    const budget = new DownloadBudget(500 * KIB);
    expect(budget.take(250 * KIB)).toBe(true);
    const error = await failure(downloadImageUrl(server.url('/big'), options(budget)));
    expect(error.reason).toBe('budget_exceeded');
    expect(budget.received).toBe(250 * KIB);
  });

  it('keeps reporting too_large when the per-download cap is the tighter one', async () => {
    const server = await startServer(300 * KIB);
    const budget = new DownloadBudget(10 * MEBIBYTE);
    const error = await failure(downloadImageUrl(server.url('/big'), options(budget, 200 * KIB)));
    expect(error.reason).toBe('too_large');
  });

  it('caps downloads one after another by what the earlier ones took', async () => {
    const server = await startServer(100 * KIB);
    const budget = new DownloadBudget(250 * KIB);
    expect((await downloadImageUrl(server.url('/1'), options(budget))).bytes.length).toBe(100 * KIB);
    expect((await downloadImageUrl(server.url('/2'), options(budget))).bytes.length).toBe(100 * KIB);
    expect(budget.received).toBe(200 * KIB);
    const error = await failure(downloadImageUrl(server.url('/3'), options(budget)));
    expect(error.reason).toBe('budget_exceeded');
    expect(budget.received).toBeLessThanOrEqual(250 * KIB);
  });

  it('holds the budget for concurrent downloads: together they never get more than it', async () => {
    const server = await startServer(200 * KIB);
    const budget = new DownloadBudget(500 * KIB);
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, (_, index) => downloadImageUrl(server.url(`/${index}`), options(budget))),
    );
    const downloaded = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value.bytes.length] : []));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    expect(failures.length).toBeGreaterThanOrEqual(2);
    for (const error of failures) expect((error as DownloadError).reason).toBe('budget_exceeded');
    expect(downloaded.reduce((sum, length) => sum + length, 0)).toBeLessThanOrEqual(500 * KIB);
    expect(budget.received).toBeLessThanOrEqual(500 * KIB);
    await vi.waitFor(() => expect(server.openConnections()).toBe(0), { timeout: 10_000, interval: 10 });
  });
});

describe('downloadErrorToApiError for budget_exceeded', () => {
  it('is a 413 naming the parameter and the setting', () => {
    const error = new DownloadError({
      reason: 'budget_exceeded',
      message: 'download exceeded 1000 bytes, the most all downloads of one request may take together',
    });
    const apiError = downloadErrorToApiError(error, 'image[3]');
    expect(apiError.status).toBe(413);
    expect(apiError.param).toBe('image[3]');
    expect(apiError.code).toBe('download_budget_exceeded');
    expect(apiError.message).toBe(
      "'image[3]' download exceeded 1000 bytes, the most all downloads of one request may take together (IMAGEROUTER_MAX_INPUT_BYTES)",
    );
  });
});
