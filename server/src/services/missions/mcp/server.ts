// One MCP server (official SDK) per request, stateless: the visible tools are registered with the same zod
// schemas the REST layer uses, and each calls the service registry. A mission resource template lets clients
// read a mission by URI.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { ServerContext } from '../../../context';
import { AppError } from '../../../protocol/errors';
import type { ServiceRegistry } from '../../registry';
import { visibleTools } from './policy';

export function toolResult(result: unknown): CallToolResult {
  const failed = typeof result === 'object' && result !== null && (result as { ok?: unknown }).ok === false;
  return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result as Record<string, unknown>, isError: failed };
}

export function toolError(err: unknown): CallToolResult {
  const e = err instanceof AppError ? err : new AppError('internal', (err as Error)?.message ?? String(err));
  return { content: [{ type: 'text', text: JSON.stringify(e.toBody()) }], isError: true };
}

export function buildMcpServer(ctx: ServerContext, registry: ServiceRegistry): McpServer {
  const server = new McpServer({ name: 'agentora-missions', version: ctx.version }, { capabilities: { tools: {}, resources: {} } });
  for (const tool of visibleTools(ctx)) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.method.description, inputSchema: (tool.input ?? tool.method.params) as z.ZodObject, annotations: { readOnlyHint: !!tool.method.readOnly } },
      async (args: unknown) => {
        try {
          return toolResult(await registry.call(tool.method.method, args ?? {}, { transport: 'mcp', actor: 'mcp-client' }));
        } catch (err) {
          return toolError(err);
        }
      },
    );
  }
  server.registerResource(
    'mission',
    new ResourceTemplate('agentora://missions/{run_id}', { list: undefined }),
    { title: 'A mission', description: 'A mission in full (JSON)', mimeType: 'application/json' },
    async (uri, vars) => {
      const result = await registry.call('agentora/missions/get', { run_id: String(vars.run_id) }, { transport: 'mcp', actor: 'mcp-client' });
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(result) }] };
    },
  );
  return server;
}
