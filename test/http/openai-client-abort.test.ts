import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../../src/providers/openai/openai-adapter.js';
import { getJson, waitFor } from '../helpers/gateway-client.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

const UPSTREAM_KEY = 'sk-abort-upstream-0123456789abcdef';
const FULL_CREDITS = '1.0000';

/** What the fake upstream saw of the one call it is watching. */
interface WatchedCall {
  arrived: Promise<void>;
  closed: Promise<void>;
}

/**
 * An OpenAI Images upstream that never finishes an answer, as gpt-image models keep a call open
 * for a minute before they send anything: `silent` sends nothing at all; `mid-body` sends its
 * status line and the first bytes of a large JSON answer, then stalls, as a connection that dies
 * in transit does. Each call's arrival and the moment its connection closes are observable.
 */
async function startStallingUpstream(mode: 'silent' | 'mid-body') {
  let watch: { arrived(): void; closed(): void } | undefined;
  const server: Server = createServer((request, response) => {
    const socket: Socket = request.socket;
    request.resume();
    request.on('end', () => {
      socket.once('close', () => watch?.closed());
      if (mode === 'mid-body') {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '2000000' });
        response.write('{"created":1764000000,"data":[{"b64_json":"iVBORw0KGgo');
      }
      watch?.arrived();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    server,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    nextCall(): WatchedCall {
      let arrived!: () => void;
      let closed!: () => void;
      const call = {
        arrived: new Promise<void>((resolve) => (arrived = resolve)),
        closed: new Promise<void>((resolve) => (closed = resolve)),
      };
      watch = { arrived, closed };
      return call;
    },
  };
}

describe.each([
  { when: 'before the provider answers', mode: 'silent' as const },
  { when: 'while the provider is sending its answer', mode: 'mid-body' as const },
])('an openai SDK client that aborts $when', ({ mode }) => {
  let upstream: Awaited<ReturnType<typeof startStallingUpstream>>;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startStallingUpstream(mode);
    gateway = await startTestGateway(
      {},
      { providers: [createOpenAIAdapter()], env: { OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.baseUrl } },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    upstream?.server.closeAllConnections();
    await new Promise((resolve) => upstream?.server.close(resolve));
  });

  it('ends the provider call, records an error and releases the hold', async () => {
    const key = await gateway.createKey({ creditsMicros: 1_000_000, name: `aborts ${mode}` });
    const remaining = async () => (await getJson(gateway.url, '/v1/credits', { key })).body.remaining_credits as string;
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: key, maxRetries: 0 });
    const call = upstream.nextCall();
    const controller = new AbortController();
    const generating = client.images.generate(
      { model: 'openai/gpt-image-2', prompt: 'never finished', size: '1024x1024', output_format: 'png' },
      { signal: controller.signal },
    );
    await call.arrived;
    // The hold is taken before the provider is called.
    expect(await remaining()).not.toBe(FULL_CREDITS);
    controller.abort();
    await expect(generating).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);

    // The gateway hangs up on the provider: nothing keeps a socket for a call nobody waits for.
    await call.closed;
    const generations = gateway.context.database.db
      .selectFrom('generations')
      .innerJoin('api_keys', 'api_keys.id', 'generations.api_key_id')
      .select(['generations.status', 'generations.cost_micros'])
      .where('api_keys.name', '=', `aborts ${mode}`);
    const record = await waitFor(
      async () => {
        const rows = await generations.execute();
        return rows.length === 1 && rows[0]?.status !== 'processing' ? rows[0] : undefined;
      },
      10_000,
      'the generation to end',
    );
    expect(record).toEqual({ status: 'error', cost_micros: 0 });
    expect(await remaining()).toBe(FULL_CREDITS);
  });
});
