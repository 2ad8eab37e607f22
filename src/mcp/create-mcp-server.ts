import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogQueries } from '../catalog/catalog-queries.js';
import { listModelsV1 } from '../catalog/list-models.js';
import type { GenerationCaller } from '../generation/generate-images.js';
import type { GenerationRequest, ImageReference } from '../generation/generation-request.js';
import type { GenerationService } from '../generation/generation-service.js';
import type { StoredImageReader } from '../storage/stored-image-reader.js';
import { imageToolResult, toolErrorResult, type ReportInternalError } from './tool-results.js';
import {
  editImageInput,
  generateImageInput,
  imageToolOutput,
  listModelsInput,
  type EditImageInput,
  type GenerateImageInput,
  type ListModelsInput,
} from './tool-schemas.js';

/** What the MCP tools use: the same use case and catalog as the HTTP routes, nothing else. */
export interface McpServices {
  generations: Pick<GenerationService, 'run'>;
  catalog: CatalogQueries;
  storedImages: StoredImageReader;
}

/** One MCP request's caller: its credits pay and its usage is recorded, exactly as over HTTP. */
export interface McpCallContext {
  caller: GenerationCaller;
  reportError: ReportInternalError;
  /** How often a slow tool call reports progress to clients that asked for it. */
  progressIntervalMs?: number;
}

type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * Clients time out quiet requests (the SDK's default is 60 s) and images often take longer;
 * progress notifications keep those that reset their timeout on progress waiting.
 */
const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;

const INSTRUCTIONS =
  'Generates and edits images with the models of this ImageRouter gateway. list_models shows the models (free=true for free ones); ' +
  'generate_image and edit_image return hosted URLs, which edit_image accepts as input images. Usage is charged to your API key.';

/** A server for one HTTP request (stateless transport): its tools act for `context.caller`. */
export function createMcpServer(services: McpServices, context: McpCallContext): McpServer {
  const server = new McpServer({ name: 'imagerouter', title: 'ImageRouter', version: '0.1.0' }, { instructions: INSTRUCTIONS });

  server.registerTool(
    'generate_image',
    {
      title: 'Generate images',
      description:
        'Generates images from a text prompt. Returns each image inline (a preview when large) with its hosted URL, the cost in USD and the generation id.',
      inputSchema: generateImageInput,
      outputSchema: imageToolOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (input, extra) => runImageTool(services, context, { fields: imageFields(input), images: [], masks: [] }, extra),
  );

  server.registerTool(
    'edit_image',
    {
      title: 'Edit images',
      description:
        'Edits or combines input images (URLs, including hosted URLs from earlier results, or data URIs) following a prompt, optionally within a mask. Returns the results as generate_image does.',
      inputSchema: editImageInput,
      outputSchema: imageToolOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    (input, extra) => runImageTool(services, context, editRequest(input), extra),
  );

  server.registerTool(
    'list_models',
    {
      title: 'List models',
      description:
        'Lists the models of this gateway (as GET /v1/models: keyed by id, with providers, prices, sizes and capabilities). Filters narrow the list.',
      inputSchema: listModelsInput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (input) => listModels(services.catalog, input, context.reportError),
  );

  return server;
}

/** The HTTP JSON body's field names, so the use case validates and records them identically. */
function imageFields({ prompt, model, size, quality, n, output_format }: GenerateImageInput | EditImageInput): Record<string, unknown> {
  // `url`: the images are stored, so the agent gets a link it can share or pass to edit_image.
  return { ...withoutUndefined({ prompt, model, size, quality, n, output_format }), response_format: 'url' };
}

function editRequest(input: EditImageInput): GenerationRequest {
  // Trimmed as the JSON body's references are, so both entry points accept the same values.
  const images: ImageReference[] = input.images.map((value, index) => ({
    kind: 'reference',
    value: value.trim(),
    param: `image[${index}]`,
  }));
  const masks: ImageReference[] = input.mask === undefined ? [] : [{ kind: 'reference', value: input.mask.trim(), param: 'mask' }];
  return { fields: imageFields(input), images, masks };
}

async function runImageTool(
  services: McpServices,
  context: McpCallContext,
  request: GenerationRequest,
  extra: ToolExtra,
): Promise<CallToolResult> {
  const progress = reportProgress(extra, context.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS);
  try {
    // `extra.signal` aborts when the client disconnects (the route closes the transport then).
    const output = await services.generations.run({ request, caller: context.caller, signal: extra.signal });
    return await imageToolResult(output, services.storedImages, context.reportError);
  } catch (error) {
    return toolErrorResult(error, context.reportError);
  } finally {
    progress.stop();
  }
}

function listModels(catalog: CatalogQueries, input: ListModelsInput, reportError: ReportInternalError): CallToolResult {
  // As a query string, so `/v1/models` and the tool share one parser and one set of errors.
  const query = Object.fromEntries(Object.entries(withoutUndefined(input)).map(([name, value]) => [name, String(value)]));
  try {
    const models = listModelsV1(catalog.catalog, query, catalog.availability);
    return { content: [{ type: 'text', text: JSON.stringify(models) }] };
  } catch (error) {
    return toolErrorResult(error, reportError);
  }
}

/** Elapsed seconds as progress, for clients that sent a progress token; stops with the call. */
function reportProgress(extra: ToolExtra, intervalMs: number): { stop(): void } {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return { stop: () => undefined };
  let ticks = 0;
  const timer = setInterval(() => {
    // Counted, not measured: progress must increase with every notification.
    ticks += 1;
    const seconds = (ticks * intervalMs) / 1000;
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress: seconds, message: `Generating (${seconds} s)` },
      })
      // A client that went away aborts the generation through the signal; nothing to do here.
      .catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function withoutUndefined<T extends object>(value: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined));
}
