import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findApiKeyByToken } from '../../src/accounts/api-key-repository.js';
import { getGeneration } from '../../src/accounts/generation-repository.js';
import { PRICED_TEST_MODEL_YAML, fetchBytes, getJson, postJson, waitFor, writeOperatorConfig } from '../helpers/gateway-client.js';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/**
 * The official MCP SDK client (`Client` + `StreamableHTTPClientTransport`) against a listening
 * gateway whose `test/test` costs $0.01: the tools call the same use case as HTTP, with the key's
 * credits and the gateway's messages.
 */

const MODEL = 'test/test';

let configDir: string;
let gateway: TestGateway;
const clients: Client[] = [];

beforeAll(async () => {
  configDir = await mkdtemp(path.join(os.tmpdir(), 'imagerouter-mcp-'));
  gateway = await startTestGateway({ IMAGEROUTER_CONFIG: await writeOperatorConfig(configDir, PRICED_TEST_MODEL_YAML) });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await gateway?.close();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

function transportFor(key: string | null): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), {
    requestInit: { headers: key === null ? {} : { Authorization: `Bearer ${key}` } },
  });
}

async function connect(key: string | null = gateway.key): Promise<Client> {
  const client = new Client({ name: 'imagerouter-test', version: '1.0.0' });
  clients.push(client);
  await client.connect(transportFor(key));
  return client;
}

async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return CallToolResultSchema.parse(await client.callTool({ name, arguments: args }));
}

function textOf(result: CallToolResult): string {
  return result.content.flatMap((item) => (item.type === 'text' ? [item.text] : [])).join('\n');
}

function imagesOf(result: CallToolResult): Array<{ bytes: Buffer; mimeType: string }> {
  return result.content.flatMap((item) =>
    item.type === 'image' ? [{ bytes: Buffer.from(item.data, 'base64'), mimeType: item.mimeType }] : [],
  );
}

/** The structured content of an image tool, as its output schema declares it. */
function structuredOf(result: CallToolResult): { id: string; urls: string[]; cost: number; latency: number; warnings: string[] } {
  expect(result.structuredContent).toMatchObject({ id: expect.any(String), urls: expect.any(Array), cost: expect.any(Number) });
  return result.structuredContent as { id: string; urls: string[]; cost: number; latency: number; warnings: string[] };
}

const remainingCredits = async (key: string) => (await getJson(gateway.url, '/v1/credits', { key })).body.remaining_credits as string;
const apiKeyIdOf = async (key: string) => (await findApiKeyByToken(gateway.context.database.db, key))?.apiKey.id;

describe('MCP over Streamable HTTP with the official SDK client', () => {
  it('lists generate_image, edit_image and list_models with their input schemas', async () => {
    const client = await connect();
    expect(client.getServerVersion()).toMatchObject({ name: 'imagerouter' });
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect([...byName.keys()].sort()).toEqual(['edit_image', 'generate_image', 'list_models']);

    const generate = byName.get('generate_image');
    expect(Object.keys(generate?.inputSchema.properties ?? {}).sort()).toEqual([
      'model',
      'n',
      'output_format',
      'prompt',
      'quality',
      'size',
    ]);
    expect([...(generate?.inputSchema.required ?? [])].sort()).toEqual(['model', 'prompt']);
    expect(generate?.inputSchema.properties?.['output_format']).toMatchObject({ enum: ['png', 'jpeg', 'webp', 'svg'] });
    expect(Object.keys(generate?.outputSchema?.properties ?? {}).sort()).toEqual(['cost', 'id', 'latency', 'urls', 'warnings']);

    const edit = byName.get('edit_image');
    expect(Object.keys(edit?.inputSchema.properties ?? {}).sort()).toEqual([
      'images',
      'mask',
      'model',
      'n',
      'output_format',
      'prompt',
      'quality',
      'size',
    ]);
    expect([...(edit?.inputSchema.required ?? [])].sort()).toEqual(['images', 'model']);
    expect(edit?.inputSchema.properties?.['images']).toMatchObject({ type: 'array', items: { type: 'string' } });

    const list = byName.get('list_models');
    expect(Object.keys(list?.inputSchema.properties ?? {}).sort()).toEqual([
      'free',
      'include_retired',
      'limit',
      'name',
      'provider',
      'sort',
      'type',
    ]);
    expect(list?.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('generate_image: the image inline, its hosted URL, cost and id; the key pays, as over HTTP', async () => {
    const key = await gateway.createKey({ creditsMicros: 1_000_000, name: 'mcp-generate' });
    const client = await connect(key);
    const result = await callTool(client, 'generate_image', {
      prompt: 'a lighthouse at dusk',
      model: MODEL,
      size: '256x192',
      output_format: 'png',
    });
    expect(result.isError, textOf(result)).toBeFalsy();

    const { id, urls, cost } = structuredOf(result);
    expect(cost).toBe(0.01);
    expect(urls).toHaveLength(1);
    const url = urls[0] ?? '';
    expect(url).toMatch(new RegExp(`^${gateway.url}/storage/[\\w-]+\\.png$`));
    const text = textOf(result);
    for (const part of [id, url, '0.01 USD']) expect(text).toContain(part);

    const [image] = imagesOf(result);
    expect(image?.mimeType).toBe('image/png');
    const metadata = await sharp(image?.bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 256, 192]);

    const served = await fetchBytes(url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.bytes.equals(image?.bytes ?? Buffer.alloc(0))).toBe(true);

    expect(await remainingCredits(key)).toBe('0.9900');
    expect(await getGeneration(gateway.context.database.db, id)).toMatchObject({
      status: 'success',
      apiKeyId: await apiKeyIdOf(key),
      model: MODEL,
      costMicros: 10_000,
      prompt: 'a lighthouse at dusk',
    });
  });

  it('a large result comes inline as a downscaled preview; the URL keeps the original', async () => {
    const client = await connect();
    const result = await callTool(client, 'generate_image', {
      prompt: 'a wide valley',
      model: MODEL,
      size: '2048x1536',
      output_format: 'png',
      quality: 'low',
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    const [image] = imagesOf(result);
    expect(image?.mimeType).toBe('image/webp');
    const preview = await sharp(image?.bytes).metadata();
    expect([preview.format, preview.width, preview.height]).toEqual(['webp', 1024, 768]);
    expect(textOf(result)).toContain('downscaled to 1024x768');

    const original = await sharp((await fetchBytes(structuredOf(result).urls[0] ?? '')).bytes).metadata();
    expect([original.format, original.width, original.height]).toEqual(['png', 2048, 1536]);
  });

  it('edit_image edits the hosted URL of an earlier result, with a mask as a data URI', async () => {
    const client = await connect();
    const first = structuredOf(await callTool(client, 'generate_image', { prompt: 'a red kite', model: MODEL, size: '128x96' }));
    const hosted = first.urls[0] ?? '';
    const pixels = Buffer.alloc(128 * 96 * 4, 255);
    for (let y = 16; y < 48; y += 1) for (let x = 16; x < 64; x += 1) pixels[(y * 128 + x) * 4 + 3] = 0;
    const mask = await sharp(pixels, { raw: { width: 128, height: 96, channels: 4 } })
      .png()
      .toBuffer();

    const result = await callTool(client, 'edit_image', {
      prompt: 'make it night',
      model: MODEL,
      images: [hosted],
      mask: `data:image/png;base64,${mask.toString('base64')}`,
      size: '128x96',
      output_format: 'jpeg',
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    const edited = structuredOf(result);
    expect(edited.urls[0]).toMatch(/\/storage\/[\w-]+\.jpeg$/);
    expect(edited.urls[0]).not.toBe(hosted);
    const metadata = await sharp(imagesOf(result)[0]?.bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 128, 96]);
    expect(await getGeneration(gateway.context.database.db, edited.id)).toMatchObject({
      status: 'success',
      inputImageCount: 1,
      hasMask: true,
    });
  });

  it('list_models answers what GET /v1/models answers for the same filters', async () => {
    const client = await connect();
    const filtered = await callTool(client, 'list_models', { name: 'test', type: 'image', limit: 1 });
    expect(filtered.isError, textOf(filtered)).toBeFalsy();
    const models = JSON.parse(textOf(filtered)) as Record<string, unknown>;
    expect(Object.keys(models)).toEqual([MODEL]);
    expect(models).toEqual((await getJson(gateway.url, '/v1/models?name=test&type=image&limit=1')).body);

    const sorted = JSON.parse(textOf(await callTool(client, 'list_models', { sort: 'price', free: false, limit: 5 }))) as Record<
      string,
      unknown
    >;
    expect(Object.keys(sorted)).toEqual(
      Object.keys((await getJson(gateway.url, '/v1/models?sort=price&free=false&limit=5')).body as object),
    );
  });

  it("failures are tool errors with the gateway's message: unknown model, unsupported size, no credits", async () => {
    const client = await connect();
    const cases: Array<{ args: Record<string, unknown>; status: number; key?: string }> = [
      { args: { prompt: 'x', model: 'nobody/nothing' }, status: 404 },
      { args: { prompt: 'x', model: MODEL, size: '12x12' }, status: 400 },
    ];
    for (const { args, status } of cases) {
      const result = await callTool(client, 'generate_image', args);
      const http = await postJson(gateway.url, '/v1/openai/images/generations', { ...args, response_format: 'url' }, { key: gateway.key });
      expect(http.status).toBe(status);
      expect(result.isError).toBe(true);
      expect(imagesOf(result)).toEqual([]);
      expect(textOf(result)).toContain(http.body.error.message as string);
      expect(textOf(result)).toContain(`HTTP ${status} ${http.body.error.type as string}`);
    }

    const poorKey = await gateway.createKey({ creditsMicros: 5_000, name: 'mcp-poor' });
    const poor = await connect(poorKey);
    const refused = await callTool(poor, 'generate_image', { prompt: 'too expensive', model: MODEL });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/HTTP 402 insufficient_credits.*generation [0-9a-f-]{36}/);
    expect(await remainingCredits(poorKey)).toBe('0.0050');

    const badFilter = await callTool(client, 'list_models', { limit: 0 });
    expect(badFilter.isError).toBe(true);
    expect(textOf(badFilter)).toContain('limit');
  });

  it('is refused without a key (401) and with a bad key (401)', async () => {
    for (const key of [null, `${gateway.key.slice(0, -1)}${gateway.key.endsWith('A') ? 'B' : 'A'}`]) {
      const client = new Client({ name: 'imagerouter-test', version: '1.0.0' });
      const error = await client.connect(transportFor(key)).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StreamableHTTPError);
      expect((error as StreamableHTTPError).code).toBe(401);
      await client.close();
    }
    const anonymous = await postJson(gateway.url, '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { key: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: { type: 'unauthorized', code: 'missing_api_key' } });
  });

  it('GET and DELETE /mcp answer 405: the server is stateless', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${gateway.url}/mcp`, {
        method,
        headers: { authorization: `Bearer ${gateway.key}`, accept: 'text/event-stream' },
      });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    }
  });

  it('the OpenAPI document lists /mcp', async () => {
    const document = (await getJson(gateway.url, '/openapi.json')).body;
    expect(Object.keys(document.paths['/mcp'] ?? {}).sort()).toEqual(['delete', 'get', 'post']);
    expect(document.paths['/mcp'].post.security).toEqual([{ bearer: [] }]);
  });

  it('a client that disconnects mid-generation stops it, and the credits come back', async () => {
    const key = await gateway.createKey({ creditsMicros: 1_000_000, name: 'mcp-disconnects' });
    const apiKeyId = await apiKeyIdOf(key);
    const client = await connect(key);
    const call = client
      .callTool({ name: 'generate_image', arguments: { prompt: 'slow [[delay:5000]]', model: MODEL } })
      .catch((caught: unknown) => caught);
    await waitFor(async () => ((await remainingCredits(key)) === '0.9900' ? true : undefined), 20_000, 'the credits to be reserved');
    await client.close();
    const db = gateway.context.database.db;
    const finished = await waitFor(
      async () => {
        const rows = await db
          .selectFrom('generations')
          .select(['status'])
          .where('api_key_id', '=', apiKeyId ?? '')
          .execute();
        return rows.length === 1 && rows[0]?.status !== 'processing' ? rows[0] : undefined;
      },
      20_000,
      'the generation to finish',
    );
    // Cancelled: left to run out its 5 s delay it would have ended in `success`.
    expect(finished.status).toBe('error');
    expect(await remainingCredits(key)).toBe('1.0000');
    await call;
  });
});
