import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { McpServices } from '../../mcp/create-mcp-server.js';
import { authenticate, callerOf, type FindKey } from '../plugins/authenticate.js';
import { clientAddressOf } from '../client-address.js';

export interface McpRoutesOptions extends McpServices {
  findKey: FindKey;
  /** Data URIs in `edit_image` make bodies as large as an image upload. */
  maxRequestBytes: number;
}

/**
 * `/mcp`: the Model Context Protocol over Streamable HTTP, stateless. Each POST gets its own
 * server and transport, so any replica can answer any request and nothing is kept between them;
 * the Bearer key is checked on every request, as on every other route.
 */
export const mcpRoutes: FastifyPluginAsync<McpRoutesOptions> = async (app, options) => {
  app.addHook('onRequest', authenticate(options.findKey, 'generate'));
  app.post('/mcp', { bodyLimit: options.maxRequestBytes }, (request, reply) => handleMcpPost(options, request, reply));
  // Without sessions there is no stream to open (GET) and nothing to end (DELETE). The spec's answer
  // is 405, which the SDK client treats as "no standalone stream" rather than as a failure.
  app.get('/mcp', methodNotAllowed);
  app.delete('/mcp', methodNotAllowed);
};

async function methodNotAllowed(_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  return reply
    .code(405)
    .header('allow', 'POST')
    .send({
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Method not allowed: this MCP server is stateless; send every message with POST.' },
      id: null,
    });
}

async function handleMcpPost(options: McpRoutesOptions, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { accountId, apiKeyId, rateLimits } = callerOf(request);
  const clientIp = clientAddressOf(request);
  const { StreamableHTTPServerTransport, createMcpServer } = await loadMcp();
  const server = createMcpServer(options, {
    caller: { accountId, apiKeyId, rateLimits, ...(clientIp ? { clientIp } : {}) },
    reportError: (error, context) => request.log.error({ err: error }, `mcp: ${context}`),
  });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  // Closing aborts the signal of every tool call in flight: a client that goes away stops its
  // generation and gets its credits back, as over HTTP. After a complete response it only cleans up.
  reply.raw.on('close', () => {
    void server.close();
  });
  await server.connect(transport);
  // The transport writes the raw response: headers hooks already set (CORS, X-Request-Id) go with it.
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) reply.raw.setHeader(name, value);
  }
  reply.hijack();
  try {
    await transport.handleRequest(request.raw, reply.raw, request.body);
  } catch (error) {
    request.log.error({ err: error }, 'mcp: request failed');
    if (!reply.raw.headersSent) {
      reply.raw
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null }));
    }
  }
}

let mcpModules:
  | Promise<typeof import('../../mcp/create-mcp-server.js') & typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js')>
  | undefined;

/** The MCP SDK and the tools on the first `/mcp` request: the gateway starts without them. */
function loadMcp() {
  return (mcpModules ??= Promise.all([
    import('../../mcp/create-mcp-server.js'),
    import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
  ]).then(([tools, transport]) => ({ ...tools, ...transport })));
}
