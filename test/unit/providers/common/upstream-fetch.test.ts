import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMultipartForm } from '../../../../src/providers/common/multipart-form.js';
import { LENT_BODY_MIN_BYTES, upstreamFetch, upstreamFetchChunks } from '../../../../src/providers/common/upstream-fetch.js';
import { upstreamFailure } from '../../../helpers/caught-error.js';

/** Real bytes in several writes, so the client sees more than one chunk. */
const BODY = Buffer.from(Array.from({ length: 300_000 }, (_, index) => index % 251));
const PIECES = [BODY.subarray(0, 70_000), BODY.subarray(70_000, 200_000), BODY.subarray(200_000)];

type Handler = (response: ServerResponse, socket: Socket) => void;

const handlers: Record<string, Handler> = {
  '/sized': (response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BODY.length) });
    for (const piece of PIECES) response.write(piece);
    response.end();
  },
  '/chunked': (response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (const piece of PIECES) response.write(piece);
    response.end();
  },
  '/empty': (response) => {
    response.writeHead(200, { 'content-length': '0' }).end();
  },
  '/no-content': (response) => {
    response.writeHead(204).end();
  },
  '/truncated': (response, socket) => {
    // Announces the whole body, sends a third of it, then hangs up.
    response.writeHead(200, { 'content-length': String(BODY.length) });
    response.write(PIECES[0], () => socket.destroy());
  },
  '/stalled': (response, socket) => {
    // Sends a third of the body, then nothing more: the connection stays open.
    watchedSocketClosed = new Promise((resolve) => socket.once('close', () => resolve('closed')));
    response.writeHead(200, { 'content-length': String(BODY.length) });
    response.write(PIECES[0]);
  },
  '/early-hints': (response) => {
    // A 103 that announces a body far over any limit, before the real answer.
    response.writeEarlyHints({ link: '</a.png>; rel=preload', 'content-length': '999999999999' });
    response.writeHead(200, { 'content-length': String(BODY.length) });
    response.end(BODY);
  },
  '/malformed': (_response, socket) => {
    // A status line no HTTP/1.1 server sends, then the connection closed.
    socket.end('HTTP/1.1 2000 OK\r\ncontent-length: 0\r\n\r\n');
  },
  '/hang-up': (_response, socket) => {
    socket.destroy();
  },
  '/silent': (_response, socket) => {
    // Never answers: not even the status line.
    watchedSocketClosed = new Promise((resolve) => socket.once('close', () => resolve('closed')));
  },
  '/truncated-chunked': (response, socket) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    response.write(PIECES[0], () => socket.destroy());
  },
};

let server: Server;
let base: string;
/** Requests the server has received, whatever their path. */
let requestsSeen = 0;
/** Set by the handlers that watch their connection: resolves once the client has closed it. */
let watchedSocketClosed: Promise<unknown> | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    requestsSeen += 1;
    if (request.url === '/echo') {
      // Answers the request body and how it was framed.
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () =>
        response
          .writeHead(200, {
            'x-content-type': request.headers['content-type'] ?? 'none',
            'x-content-length': request.headers['content-length'] ?? 'none',
            'x-transfer-encoding': request.headers['transfer-encoding'] ?? 'none',
          })
          .end(Buffer.concat(chunks)),
      );
      return;
    }
    request.resume();
    const handler = handlers[request.url ?? ''];
    if (handler) handler(response, request.socket);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function fetchPath(path: string, maxBodyBytes?: number) {
  return upstreamFetch({
    provider: 'fake',
    method: 'GET',
    url: `${base}${path}`,
    signal: new AbortController().signal,
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  });
}

describe('upstreamFetch reads the whole body', () => {
  it('with a content-length, byte for byte', async () => {
    const response = await fetchPath('/sized');
    expect(response.status).toBe(200);
    expect(response.body.equals(BODY)).toBe(true);
  });

  it('without one (chunked), byte for byte', async () => {
    const response = await fetchPath('/chunked');
    expect(response.headers['content-length']).toBeUndefined();
    expect(response.body.equals(BODY)).toBe(true);
  });

  it('after an informational 103, which is not the answer', async () => {
    const response = await fetchPath('/early-hints', BODY.length);
    expect(response.status).toBe(200);
    expect(response.body.equals(BODY)).toBe(true);
  });

  it('when it is empty, and for a 204', async () => {
    expect((await fetchPath('/empty')).body.length).toBe(0);
    const noContent = await fetchPath('/no-content');
    expect(noContent.status).toBe(204);
    expect(noContent.body.length).toBe(0);
  });

  it('up to exactly the limit', async () => {
    expect((await fetchPath('/sized', BODY.length)).body.equals(BODY)).toBe(true);
    expect((await fetchPath('/chunked', BODY.length)).body.equals(BODY)).toBe(true);
  });
});

describe('upstreamFetchChunks reads into a lent buffer', () => {
  function fetchLending(path: string, lent: number[], lends = true) {
    let buffer: Buffer | undefined;
    const response = upstreamFetchChunks({
      provider: 'fake',
      method: 'GET',
      url: `${base}${path}`,
      signal: new AbortController().signal,
      lendBuffer: (size) => {
        lent.push(size);
        if (lends) buffer = Buffer.alloc(size + 7);
        return buffer;
      },
    });
    return { response, lentBuffer: () => buffer };
  }

  it('when the content-length is large enough: the answer is views of that buffer, byte for byte', async () => {
    expect(BODY.length).toBeGreaterThanOrEqual(LENT_BODY_MIN_BYTES);
    const lent: number[] = [];
    const { response, lentBuffer } = fetchLending('/sized', lent);
    const { bytes } = await response;
    expect(lent).toEqual([BODY.length]);
    const views = bytes.slices(0, bytes.length);
    expect(views.length).toBeGreaterThan(0);
    expect(views.every((view) => view.buffer === lentBuffer()!.buffer)).toBe(true);
    expect(bytes.join().equals(BODY)).toBe(true);
  });

  it('not without a content-length, nor for a small answer: those stay in their chunks', async () => {
    const lent: number[] = [];
    expect((await fetchLending('/chunked', lent).response).bytes.join().equals(BODY)).toBe(true);
    expect((await fetchLending('/empty', lent).response).bytes.length).toBe(0);
    expect(lent).toEqual([]);
  });

  it('in its chunks when the lender has none to lend', async () => {
    const lent: number[] = [];
    const { bytes } = await fetchLending('/sized', lent, false).response;
    expect(lent).toEqual([BODY.length]);
    expect(bytes.join().equals(BODY)).toBe(true);
    expect(bytes.slices(0, bytes.length).length).toBeGreaterThan(0);
  });

  it('still refusing a body cut short of its content-length', async () => {
    const lent: number[] = [];
    const error = await upstreamFailure(fetchLending('/truncated', lent).response);
    expect(error.kind).toBe('upstream_error');
    expect(error.message).toBe("The connection to 'fake' broke before the response was complete.");
    expect(lent).toEqual([BODY.length]);
  });
});

describe('upstreamFetch refuses broken or oversized bodies', () => {
  it('a body cut short of its content-length', async () => {
    const error = await upstreamFailure(fetchPath('/truncated'));
    expect(error.kind).toBe('upstream_error');
    expect(error.provider).toBe('fake');
  });

  it('a chunked body cut before its end', async () => {
    const error = await upstreamFailure(fetchPath('/truncated-chunked'));
    expect(error.kind).toBe('upstream_error');
  });

  it('a content-length above the limit, before reading it', async () => {
    const error = await upstreamFailure(fetchPath('/sized', BODY.length - 1));
    expect(error.kind).toBe('upstream_error');
    expect(error.message).toContain(`larger than ${BODY.length - 1} bytes`);
  });

  it('a chunked body that grows past the limit', async () => {
    const error = await upstreamFailure(fetchPath('/chunked', BODY.length - 1));
    expect(error.message).toContain(`larger than ${BODY.length - 1} bytes`);
  });
});

describe('upstreamFetch stops reading a body that stalls', () => {
  it('when the signal aborts mid-body, rejecting with its reason', async () => {
    const controller = new AbortController();
    const reason = new Error('the client went away');
    const reading = upstreamFetch({ provider: 'fake', method: 'GET', url: `${base}/stalled`, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    await expect(reading).rejects.toBe(reason);
  });

  it('and closes the connection, so a stalled upstream holds no socket', async () => {
    watchedSocketClosed = undefined;
    const controller = new AbortController();
    const reading = upstreamFetch({ provider: 'fake', method: 'GET', url: `${base}/stalled`, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('gone')), 100);
    await expect(reading).rejects.toThrow('gone');
    await expect(watchedSocketClosed).resolves.toBe('closed');
  });

  it('when the signal aborts before the status line, rejecting with its reason and closing the connection', async () => {
    watchedSocketClosed = undefined;
    const controller = new AbortController();
    const reason = new Error('deadline of the caller');
    const reading = upstreamFetch({ provider: 'fake', method: 'GET', url: `${base}/silent`, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    await expect(reading).rejects.toBe(reason);
    await expect(watchedSocketClosed).resolves.toBe('closed');
  });

  it('when the signal was aborted before the call, without sending it', async () => {
    const before = requestsSeen;
    const reason = new Error('already gone');
    await expect(upstreamFetch({ provider: 'fake', method: 'GET', url: `${base}/sized`, signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    // A request that did reach the server would have been counted by now.
    await fetchPath('/empty');
    expect(requestsSeen).toBe(before + 1);
  });

  it('when the deadline passes mid-body, as a timeout naming the provider', async () => {
    const error = await upstreamFailure(
      upstreamFetch({
        provider: 'fake',
        method: 'GET',
        url: `${base}/stalled`,
        signal: new AbortController().signal,
        deadline: Date.now() + 150,
      }),
    );
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain("'fake'");
  });
});

describe('upstreamFetch maps network failures', () => {
  it('nothing listening: unavailable, naming the provider', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await upstreamFailure(
      upstreamFetch({ provider: 'fake', method: 'GET', url: `http://127.0.0.1:${port}/`, signal: new AbortController().signal }),
    );
    expect(error.kind).toBe('unavailable');
    expect(error.message).toBe("The provider 'fake' could not be reached.");
  });

  it('a malformed answer: an upstream error saying so', async () => {
    const error = await upstreamFailure(fetchPath('/malformed'));
    expect(error.kind).toBe('upstream_error');
    expect(error.message).toBe("The provider 'fake' sent a malformed HTTP response.");
  });

  it('a connection closed before the status line: an upstream error', async () => {
    const error = await upstreamFailure(fetchPath('/hang-up'));
    expect(error.kind).toBe('upstream_error');
    expect(error.message).toBe("The connection to 'fake' broke before the response was complete.");
  });
});

describe('upstreamFetch sends a MultipartBody', () => {
  it('streamed from its buffers with its content-length, as often as it is sent', async () => {
    const file = Buffer.from(Array.from({ length: 200_000 }, (_, index) => (index * 7) % 256));
    const body = encodeMultipartForm([
      { name: 'prompt', value: 'a cat' },
      { name: 'image[]', file: { bytes: file, filename: 'image-1.png', contentType: 'image/png' } },
    ]);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await upstreamFetch({
        provider: 'fake',
        method: 'POST',
        url: `${base}/echo`,
        body,
        signal: new AbortController().signal,
      });
      expect(response.headers['x-content-type']).toBe(body.contentType);
      expect(response.headers['x-content-length']).toBe(String(body.length));
      expect(response.headers['x-transfer-encoding']).toBe('none');
      const form = await new Response(response.body, { headers: { 'content-type': body.contentType } }).formData();
      expect(form.get('prompt')).toBe('a cat');
      const image = form.get('image[]') as File;
      expect(Buffer.from(await image.arrayBuffer()).equals(file)).toBe(true);
    }
  });
});
