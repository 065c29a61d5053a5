// One MCP server (official SDK) per request, stateless: the visible tools are registered with the same zod
// schemas the REST layer uses, and each calls the service registry. A mission resource template lets clients
// read a mission by URI.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { CallCredential, ServerContext } from '../../../context';
import { callAs } from '../../credentials/access';
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

export function buildMcpServer(ctx: ServerContext, registry: ServiceRegistry, credential: CallCredential): McpServer {
  const server = new McpServer({ name: 'agentora-missions', version: ctx.version }, { capabilities: { tools: {}, resources: {} } });
  for (const tool of visibleTools(ctx)) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.method.description,
        inputSchema: (tool.input ?? tool.method.params) as z.ZodObject,
        annotations: { readOnlyHint: !!tool.method.readOnly },
      },
      async (args: unknown) => {
        try {
          return toolResult(await callAs(registry, ctx, tool.method, args ?? {}, { transport: 'mcp', actor: 'mcp-client', credential }));
        } catch (err) {
          return toolError(err);
        }
      },
    );
  }
  // The mission resource reads what get_mission returns, so it obeys the same policy: served only while
  // get_mission is allowed (AGENTORA_MISSIONS_MCP_ALLOWED_TOOLS), and read through the same scope check.
  const getMission = visibleTools(ctx).find((t) => t.name === 'get_mission');
  if (!getMission) return server;
  server.registerResource(
    'mission',
    new ResourceTemplate('agentora://missions/{run_id}', { list: undefined }),
    { title: 'A mission', description: 'A mission in full (JSON)', mimeType: 'application/json' },
    async (uri, vars) => {
      const result = await callAs(
        registry,
        ctx,
        getMission.method,
        { run_id: String(vars.run_id) },
        { transport: 'mcp', actor: 'mcp-client', credential },
      );
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(result) }] };
    },
  );
  return server;
}
