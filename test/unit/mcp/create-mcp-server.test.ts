import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../src/catalog/load-catalog.js';
import type { GenerationOutput } from '../../../src/generation/generate-images.js';
import type { RunGenerationInput } from '../../../src/generation/run-generation.js';
import { createMcpServer, type McpServices } from '../../../src/mcp/create-mcp-server.js';
import type { StoredImageReader } from '../../../src/storage/stored-image-reader.js';

/**
 * The MCP server with a fake use case over the SDK's in-memory transport: what the tools hand to
 * the use case, progress for slow calls, and failures that must not leak or turn into errors.
 */

const CALLER = { accountId: 'account-1', apiKeyId: 'key-1' };
const HOSTED = 'https://images.example/storage/0c5e6f4e-1111-4222-8333-944455556666.png';

const output = (overrides: Partial<GenerationOutput> = {}): GenerationOutput => ({
  id: 'generation-1',
  created: 0,
  data: [{ revised_prompt: null, url: HOSTED }],
  latency: 12,
  cost: 0.02,
  warnings: [],
  attempts: [],
  ...overrides,
});

interface Harness {
  client: Client;
  runs: RunGenerationInput[];
  reported: string[];
}

const open: Client[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});

async function harness(
  options: { run?: (input: RunGenerationInput) => Promise<GenerationOutput>; stored?: Buffer; progressIntervalMs?: number } = {},
): Promise<Harness> {
  const runs: RunGenerationInput[] = [];
  const reported: string[] = [];
  const stored =
    options.stored ??
    (await sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } })
      .png()
      .toBuffer());
  const storedImages: StoredImageReader = { read: async () => ({ bytes: stored, format: 'png', remainingMs: 60_000 }) };
  const services: McpServices = {
    generations: {
      run: async (input) => {
        runs.push(input);
        return options.run ? options.run(input) : output();
      },
    },
    catalog: { catalog: loadCatalog(), availability: () => true, recentUsage: async () => [] },
    storedImages,
  };
  const server = createMcpServer(services, {
    caller: CALLER,
    reportError: (_error, context) => void reported.push(context),
    ...(options.progressIntervalMs === undefined ? {} : { progressIntervalMs: options.progressIntervalMs }),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'unit', version: '1.0.0' });
  open.push(client);
  await client.connect(clientSide);
  return { client, runs, reported };
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  onprogress?: (progress: Progress) => void,
): Promise<CallToolResult> {
  return CallToolResultSchema.parse(await client.callTool({ name, arguments: args }, undefined, onprogress ? { onprogress } : undefined));
}

const textOf = (result: CallToolResult) => result.content.flatMap((item) => (item.type === 'text' ? [item.text] : [])).join('\n');

describe('createMcpServer', () => {
  it("hands the use case the HTTP body's field names, response_format url and the caller", async () => {
    const { client, runs } = await harness();
    await call(client, 'generate_image', {
      prompt: 'a fox',
      model: 'test/test',
      size: '64x48',
      quality: 'low',
      n: 2,
      output_format: 'png',
    });
    expect(runs[0]?.request).toEqual({
      fields: { prompt: 'a fox', model: 'test/test', size: '64x48', quality: 'low', n: 2, output_format: 'png', response_format: 'url' },
      images: [],
      masks: [],
    });
    expect(runs[0]?.caller).toEqual(CALLER);
    expect(runs[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it('names edit_image inputs as the JSON body does (image[0], image[1], mask)', async () => {
    const { client, runs } = await harness();
    await call(client, 'edit_image', {
      model: 'test/test',
      images: [HOSTED, 'data:image/png;base64,AAAA'],
      mask: 'data:image/png;base64,BBBB',
    });
    expect(runs[0]?.request).toEqual({
      fields: { model: 'test/test', response_format: 'url' },
      images: [
        { kind: 'reference', value: HOSTED, param: 'image[0]' },
        { kind: 'reference', value: 'data:image/png;base64,AAAA', param: 'image[1]' },
      ],
      masks: [{ kind: 'reference', value: 'data:image/png;base64,BBBB', param: 'mask' }],
    });
  });

  it('reports increasing progress while a generation runs, to a client that asked for it', async () => {
    const { client } = await harness({
      progressIntervalMs: 20,
      run: async () => (await new Promise((resolve) => setTimeout(resolve, 150)), output()),
    });
    const progress: number[] = [];
    const result = await call(client, 'generate_image', { prompt: 'slow', model: 'test/test' }, (update) => progress.push(update.progress));
    expect(result.isError).toBeFalsy();
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress).size).toBe(progress.length);
  });

  it('an unexpected failure is a tool error that says no more than "Internal server error", and is reported', async () => {
    const { client, reported } = await harness({ run: async () => Promise.reject(new Error('database password is hunter2')) });
    const result = await call(client, 'generate_image', { prompt: 'x', model: 'test/test' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('Internal server error\n(HTTP 500 internal_error)');
    expect(reported).toEqual(['tool call failed']);
  });

  it('a preview that cannot be made leaves a successful, charged generation a success', async () => {
    const { client, reported } = await harness({ stored: Buffer.from('not an image') });
    const result = await call(client, 'generate_image', { prompt: 'x', model: 'test/test' });
    expect(result.isError).toBeFalsy();
    expect(result.content.filter((item) => item.type === 'image')).toEqual([]);
    expect(textOf(result)).toContain(`Image 1: ${HOSTED} (no preview)`);
    expect(result.structuredContent).toEqual({ id: 'generation-1', urls: [HOSTED], cost: 0.02, latency: 12, warnings: [] });
    expect(reported).toEqual(['preview of image 1']);
  });
});
