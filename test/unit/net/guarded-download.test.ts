import { randomBytes } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAddressPolicy, type AddressPolicy } from '../../../src/net/address-policy.js';
import { DownloadError } from '../../../src/net/download-error.js';
import { downloadImageUrl, type DownloadImageOptions } from '../../../src/net/guarded-download.js';

// A real 1x1 PNG: the bytes must come back untouched.
const PNG_BYTES = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const MEBIBYTE = 1024 * 1024;
const LOOPBACK_ONLY = createAddressPolicy(['127.0.0.1']);

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

interface RecordedRequest {
  url: string;
  headers: IncomingHttpHeaders;
}

interface TestServer {
  port: number;
  requests: RecordedRequest[];
  /** Connections the server still has open: 0 once the downloader has let go of its socket. */
  openConnections(): number;
  url(path: string): string;
}

const servers: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(handler: Handler, host = '127.0.0.1'): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    handler(request, response);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return { port, requests, openConnections: () => sockets.size, url: (path) => `http://${host}:${port}${path}` };
}

function servePng(): Handler {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG_BYTES.length });
    response.end(PNG_BYTES);
  };
}

/** Accepts the request and never answers. */
function stall(): Handler {
  return () => undefined;
}

function redirectTo(location: string, status = 302): Handler {
  return (_request, response) => {
    response.writeHead(status, { location });
    response.end();
  };
}

function options(overrides: Partial<DownloadImageOptions> & { policy?: AddressPolicy } = {}): DownloadImageOptions {
  return { policy: LOOPBACK_ONLY, maxBytes: MEBIBYTE, timeoutMs: 5_000, ...overrides };
}

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

async function expectAllConnectionsClosed(server: TestServer): Promise<void> {
  await vi.waitFor(() => expect(server.openConnections()).toBe(0), { timeout: 10_000, interval: 10 });
}

describe('downloadImageUrl: success', () => {
  it('returns the exact bytes, content type and final URL of a PNG', async () => {
    const server = await startServer(servePng());
    const result = await downloadImageUrl(server.url('/image.png'), options());
    expect(result.bytes.equals(PNG_BYTES)).toBe(true);
    expect(result.contentType).toBe('image/png');
    expect(result.finalUrl).toBe(server.url('/image.png'));
    await expectAllConnectionsClosed(server);
  });

  it('reassembles a multi-chunk body byte for byte', async () => {
    const body = randomBytes(3 * MEBIBYTE);
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/webp' });
      for (let offset = 0; offset < body.length; offset += 64 * 1024) response.write(body.subarray(offset, offset + 64 * 1024));
      response.end();
    });
    const result = await downloadImageUrl(server.url('/big'), options({ maxBytes: body.length }));
    expect(result.bytes.equals(body)).toBe(true);
  });

  it('accepts a body of exactly maxBytes', async () => {
    const server = await startServer(servePng());
    const result = await downloadImageUrl(server.url('/image.png'), options({ maxBytes: PNG_BYTES.length }));
    expect(result.bytes.length).toBe(PNG_BYTES.length);
  });

  it('leaves no timers or sockets behind', async () => {
    const server = await startServer(servePng());
    const count = (type: string): number => process.getActiveResourcesInfo().filter((resource) => resource === type).length;
    const timersBefore = count('Timeout');
    await downloadImageUrl(server.url('/image.png'), options());
    await failure(downloadImageUrl(server.url('/image.png'), options({ maxBytes: 10 })));
    expect(count('Timeout')).toBeLessThanOrEqual(timersBefore);
    await expectAllConnectionsClosed(server);
  });
});

describe('downloadImageUrl: URL checks', () => {
  it.each([
    'file:///etc/passwd',
    `data:image/png;base64,${PNG_BYTES.toString('base64')}`,
    'ftp://example.com/image.png',
    'gopher://example.com/',
    'javascript:alert(1)',
    'blob:https://example.com/5f0e',
    'not a url',
    '/relative/image.png',
    'http://user:s3cr3t@127.0.0.1/image.png',
    'https://t0ken@example.com/image.png',
  ])('rejects %s as invalid_url without echoing it', async (url) => {
    const error = await failure(downloadImageUrl(url, options()));
    expect(error.reason).toBe('invalid_url');
    expect(error.message).not.toContain('iVBOR');
    expect(error.message).not.toMatch(/s3cr3t|t0ken/);
  });
});

describe('downloadImageUrl: address policy', () => {
  it('blocks loopback when nothing is allowlisted, before sending a request', async () => {
    const server = await startServer(servePng());
    const error = await failure(downloadImageUrl(server.url('/image.png'), options({ policy: createAddressPolicy([]) })));
    expect(error.reason).toBe('blocked_address');
    expect(error.message).toBe(
      'URL is not allowed: it resolves to a private, loopback or link-local address (127.0.0.1). Set IMAGEROUTER_URL_ALLOWLIST to allow it.',
    );
    expect(server.requests).toHaveLength(0);
  });

  it.each([['127.0.0.1'], ['127.0.0.0/8'], ['localhost'], ['LocalHost']])('allows loopback when %s is allowlisted', async (entry) => {
    const server = await startServer(servePng());
    const url = entry.toLowerCase() === 'localhost' ? `http://localhost:${server.port}/image.png` : server.url('/image.png');
    const result = await downloadImageUrl(url, options({ policy: createAddressPolicy([entry]) }));
    expect(result.bytes.equals(PNG_BYTES)).toBe(true);
  });

  it('rejects the cloud metadata address fast, without connecting', async () => {
    const error = await failure(downloadImageUrl('http://169.254.169.254/latest/meta-data/', options({ timeoutMs: 10_000 })));
    expect(error.reason).toBe('blocked_address');
    expect(error.message).toContain('(169.254.169.254)');
    // Far below the 10 s timeout: it never tried to connect (a loaded CI machine can still pause).
  });

  it.each([
    ['IPv4-mapped IPv6', (port: number) => `http://[::ffff:127.0.0.1]:${port}/image.png`],
    ['decimal', (port: number) => `http://2130706433:${port}/image.png`],
    ['hex', (port: number) => `http://0x7f.1:${port}/image.png`],
    ['octal', (port: number) => `http://017700000001:${port}/image.png`],
    ['short', (port: number) => `http://127.1:${port}/image.png`],
    ['unspecified 0.0.0.0 (reaches localhost on Linux)', (port: number) => `http://0.0.0.0:${port}/image.png`],
    ['IPv6 loopback', (port: number) => `http://[::1]:${port}/image.png`],
  ])('blocks the %s form of a loopback address', async (_form, urlFor) => {
    const server = await startServer(servePng());
    const error = await failure(downloadImageUrl(urlFor(server.port), options({ policy: createAddressPolicy([]) })));
    expect(error.reason).toBe('blocked_address');
    expect(server.requests).toHaveLength(0);
  });

  it('normalises the decimal form to the address it really reaches', async () => {
    const server = await startServer(servePng());
    const result = await downloadImageUrl(`http://2130706433:${server.port}/image.png`, options());
    expect(result.bytes.equals(PNG_BYTES)).toBe(true);
    expect(result.finalUrl).toBe(server.url('/image.png'));
  });

  it('blocks a hostname if any one of its addresses is blocked', async () => {
    const resolveHost = vi.fn(async (): Promise<LookupAddress[]> => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ]);
    const error = await failure(downloadImageUrl('https://images.example.com/cat.png', options({ resolveHost })));
    expect(error.reason).toBe('blocked_address');
    expect(error.message).toContain('(10.0.0.1)');
    expect(resolveHost).toHaveBeenCalledWith('images.example.com');
  });

  it('connects to the address it checked, not to a second DNS answer (rebinding)', async () => {
    const server = await startServer(servePng());
    // First answer passes the check; any later answer points at the metadata service.
    const resolveHost = vi
      .fn<(hostname: string) => Promise<LookupAddress[]>>()
      .mockResolvedValueOnce([{ address: '127.0.0.1', family: 4 }])
      .mockResolvedValue([{ address: '169.254.169.254', family: 4 }]);
    const result = await downloadImageUrl(`http://cdn.rebind.test:${server.port}/image.png`, options({ resolveHost }));
    expect(result.bytes.equals(PNG_BYTES)).toBe(true);
    expect(resolveHost).toHaveBeenCalledTimes(1);
    // The pinned connection still speaks to the hostname.
    expect(server.requests[0]?.headers.host).toBe(`cdn.rebind.test:${server.port}`);
  });

  it('reports a DNS failure as network, naming the host', async () => {
    const resolveHost = async (): Promise<LookupAddress[]> => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' });
    };
    const error = await failure(downloadImageUrl('http://nowhere.test/image.png', options({ resolveHost })));
    expect(error.reason).toBe('network');
    expect(error.message).toBe('download from nowhere.test failed: could not resolve the host');
  });

  it('reports a refused connection as network', async () => {
    const server = await startServer(servePng());
    await servers.splice(0)[0]?.close();
    const error = await failure(downloadImageUrl(server.url('/image.png'), options()));
    expect(error.reason).toBe('network');
    expect(error.message).toBe(`download from 127.0.0.1:${server.port} failed: connection refused`);
  });
});

describe('downloadImageUrl: redirects', () => {
  it('follows a relative redirect and reports the final URL', async () => {
    const server = await startServer((request, response) => {
      if (request.url === '/start') redirectTo('image.png', 301)(request, response);
      else servePng()(request, response);
    });
    const result = await downloadImageUrl(server.url('/start'), options());
    expect(result.bytes.equals(PNG_BYTES)).toBe(true);
    expect(result.finalUrl).toBe(server.url('/image.png'));
  });

  it('re-checks each redirect target: an allowlisted hostname cannot redirect to a blocked address', async () => {
    // The target really serves an image: only the re-check stands between the download and it.
    const internal = await startServer(servePng(), '127.0.0.2');
    const entry = await startServer(redirectTo(internal.url('/image.png')));
    const startUrl = `http://localhost:${entry.port}/start`;

    const error = await failure(downloadImageUrl(startUrl, options({ policy: createAddressPolicy(['localhost']) })));
    expect(error.reason).toBe('blocked_address');
    expect(error.message).toContain('redirects to a private, loopback or link-local address (127.0.0.2)');
    expect(entry.requests).toHaveLength(1);
    expect(internal.requests).toHaveLength(0);

    // Control: allowlisting the target makes the same chain succeed.
    const result = await downloadImageUrl(startUrl, options({ policy: createAddressPolicy(['localhost', '127.0.0.2']) }));
    expect(result.bytes.equals(PNG_BYTES)).toBe(true);
    expect(internal.requests).toHaveLength(1);
  });

  it('rejects a redirect to the metadata service fast', async () => {
    const server = await startServer(redirectTo('http://169.254.169.254/latest/meta-data/iam/', 307));
    const error = await failure(downloadImageUrl(server.url('/start'), options({ timeoutMs: 10_000 })));
    expect(error.reason).toBe('blocked_address');
  });

  it.each(['file:///etc/passwd', 'http://admin:secret@127.0.0.1/image.png', 'gopher://127.0.0.1:70/'])(
    'rejects a redirect to %s as invalid_url',
    async (location) => {
      const server = await startServer(redirectTo(location));
      const error = await failure(downloadImageUrl(server.url('/start'), options()));
      expect(error.reason).toBe('invalid_url');
      expect(error.message).not.toContain('secret');
    },
  );

  it('stops a redirect loop after 5 redirects', async () => {
    const server = await startServer(redirectTo('/loop'));
    const error = await failure(downloadImageUrl(server.url('/loop'), options()));
    expect(error.reason).toBe('too_many_redirects');
    expect(server.requests).toHaveLength(6);
  });

  it('honours maxRedirects', async () => {
    const server = await startServer(redirectTo('/loop'));
    const error = await failure(downloadImageUrl(server.url('/loop'), options({ maxRedirects: 1 })));
    expect(error.reason).toBe('too_many_redirects');
    expect(server.requests).toHaveLength(2);
  });
});

describe('downloadImageUrl: headers and credentials', () => {
  it('adds no credentials of its own', async () => {
    const server = await startServer(servePng());
    await downloadImageUrl(server.url('/image.png'), options());
    const headers = server.requests[0]?.headers ?? {};
    expect(headers.authorization).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
    expect(headers['user-agent']).toBe('imagerouter');
  });

  it('keeps passed headers on a same-origin redirect', async () => {
    const server = await startServer((request, response) => {
      if (request.url === '/start') redirectTo('/image.png')(request, response);
      else servePng()(request, response);
    });
    await downloadImageUrl(server.url('/start'), options({ headers: { Authorization: 'Bearer cdn-token' } }));
    expect(server.requests.map((request) => request.headers.authorization)).toEqual(['Bearer cdn-token', 'Bearer cdn-token']);
  });

  it('drops passed headers once a redirect leaves the original origin, even when it comes back', async () => {
    let original: TestServer | undefined;
    const other = await startServer((request, response) => redirectTo(original?.url('/image.png') ?? '')(request, response));
    original = await startServer((request, response) => {
      if (request.url === '/start') redirectTo(other.url('/bounce'))(request, response);
      else servePng()(request, response);
    });
    const result = await downloadImageUrl(
      original.url('/start'),
      options({ headers: { Authorization: 'Bearer cdn-token', 'X-Api-Key': 'k' } }),
    );
    expect(result.bytes.equals(PNG_BYTES)).toBe(true);
    expect(original.requests[0]?.headers.authorization).toBe('Bearer cdn-token');
    expect(other.requests[0]?.headers.authorization).toBeUndefined();
    expect(other.requests[0]?.headers['x-api-key']).toBeUndefined();
    expect(original.requests[1]?.headers.authorization).toBeUndefined();
  });
});

describe('downloadImageUrl: status, size and time limits', () => {
  it('rejects a 404 with its status and nothing of the response', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain', 'x-internal-token': 'secret-header' });
      response.end('secret body from an internal service');
    });
    const error = await failure(downloadImageUrl(server.url('/missing.png'), options()));
    expect(error.reason).toBe('http_status');
    expect(error.status).toBe(404);
    expect(error.message).toBe('download failed with HTTP 404');
  });

  it('rejects a declared Content-Length over the cap without waiting for the body', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': 10 * MEBIBYTE });
      response.write(PNG_BYTES);
    });
    const error = await failure(downloadImageUrl(server.url('/huge.png'), options({ maxBytes: MEBIBYTE })));
    expect(error.reason).toBe('too_large');
    expect(error.message).toBe(`download exceeded ${MEBIBYTE} bytes`);
    await expectAllConnectionsClosed(server);
  });

  it('aborts an endless chunked body once it passes the cap', async () => {
    const chunk = Buffer.alloc(64 * 1024, 1);
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      // Writes until the client hangs up: a downloader that buffered everything would never finish.
      const pump = (): void => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once('drain', pump);
      };
      pump();
    });
    const error = await failure(downloadImageUrl(server.url('/endless.png'), options({ maxBytes: 256 * 1024 })));
    expect(error.reason).toBe('too_large');
    await expectAllConnectionsClosed(server);
  });

  it('times out a server that never answers within ~timeout + 200 ms', async () => {
    const server = await startServer(stall());
    const started = performance.now();
    const error = await failure(downloadImageUrl(server.url('/slow.png'), options({ timeoutMs: 300 })));
    const elapsed = performance.now() - started;
    expect(error.reason).toBe('timeout');
    expect(error.message).toBe('download timed out after 300 ms');
    expect(elapsed).toBeGreaterThanOrEqual(295);
    await expectAllConnectionsClosed(server);
  });

  it('times out a body that trickles in', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.write(PNG_BYTES.subarray(0, 8));
    });
    const error = await failure(downloadImageUrl(server.url('/trickle.png'), options({ timeoutMs: 300 })));
    expect(error.reason).toBe('timeout');
    await expectAllConnectionsClosed(server);
  });

  it('times out a DNS lookup that never answers', async () => {
    const resolveHost = (): Promise<LookupAddress[]> => new Promise(() => undefined);
    const error = await failure(downloadImageUrl('http://slow-dns.test/image.png', options({ timeoutMs: 200, resolveHost })));
    expect(error.reason).toBe('timeout');
  });

  it("rejects with the caller's abort reason when the signal aborts mid-download", async () => {
    const server = await startServer(stall());
    const controller = new AbortController();
    const reason = new Error('client disconnected');
    setTimeout(() => controller.abort(reason), 50);
    await expect(downloadImageUrl(server.url('/slow.png'), options({ signal: controller.signal }))).rejects.toBe(reason);
    await expectAllConnectionsClosed(server);
  });

  it('does not start when the signal is already aborted', async () => {
    const server = await startServer(servePng());
    const reason = new Error('deadline passed');
    await expect(downloadImageUrl(server.url('/image.png'), options({ signal: AbortSignal.abort(reason) }))).rejects.toBe(reason);
    expect(server.requests).toHaveLength(0);
  });
});
