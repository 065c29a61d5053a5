// The MCP doors: the real endpoint (Streamable HTTP at /mcp, stateless JSON mode, one SDK server + transport per
// request) and the compatibility routes of the earlier product (GET /api/integrations/mcp/capabilities,
// POST /api/integrations/mcp/call). Auth (MCP key or server token) and Origin/Host checks are in http/guards.ts;
// enabled / read-only / allowed-tools are checked here, per request, so a settings change applies at once.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { ServerContext } from '../../../context';
import { AppError, badInput } from '../../../protocol/errors';
import { sendError } from '../../../http/rest';
import type { ServiceRegistry } from '../../registry';
import { callAs } from '../../credentials/access';
import { credentialOf, type AgentoraRouteConfig } from '../../../http/credential';
import { judgeTool, recordRefusal, visibleTools } from './policy';
import { buildMcpServer } from './server';

const disabled = () => new AppError('not_found', 'MCP is disabled: set AGENTORA_MISSIONS_MCP_ENABLED=true (agentora.missions.mcpEnabled) to serve the mission tools');

/** These doors check each tool's method scope themselves (services/credentials/access.ts), so agent credentials may enter. */
const AGENT_DOOR: AgentoraRouteConfig = { agentDoor: true };

const CallBody = z.object({ tool: z.string().min(1), args: z.record(z.string(), z.unknown()).default({}) });

type RpcMessage = { jsonrpc?: string; id?: string | number | null; method?: string; params?: { name?: string; arguments?: unknown; uri?: unknown } };

export function mountMcp(app: FastifyInstance, ctx: ServerContext, registry: ServiceRegistry): void {
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    config: AGENT_DOOR,
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      if (!ctx.config['missions.mcpEnabled']) return sendError(reply, disabled());
      // A call to a refused tool is answered here with the reason (as a tool error result) and recorded; the
      // SDK server never sees it (refused tools are not even registered, so tools/list hides them).
      const msg = req.body as RpcMessage | undefined;
      if (req.method === 'POST' && msg && !Array.isArray(msg) && msg.method === 'tools/call' && typeof msg.params?.name === 'string') {
        const verdict = judgeTool(ctx, msg.params.name);
        if (!verdict.allowed) {
          recordRefusal(ctx, msg.params.name, verdict.reason, msg.params.arguments, 'mcp');
          return reply.code(200).header('content-type', 'application/json').send({ jsonrpc: '2.0', id: msg.id ?? null, result: { content: [{ type: 'text', text: verdict.reason }], isError: true } });
        }
      }
      // The mission resource is get_mission by another name: refused (and recorded) exactly when that tool is.
      if (req.method === 'POST' && msg && !Array.isArray(msg) && msg.method === 'resources/read') {
        const verdict = judgeTool(ctx, 'get_mission');
        if (!verdict.allowed) {
          const uri = String((msg.params as { uri?: unknown } | undefined)?.uri ?? '');
          const reason = `Resource ${uri} is refused: it is read with get_mission, and ${verdict.reason.charAt(0).toLowerCase()}${verdict.reason.slice(1)}`;
          recordRefusal(ctx, 'get_mission', reason, { run_id: /^agentora:\/\/missions\/(.+)$/.exec(uri)?.[1] }, 'mcp');
          return reply.code(200).header('content-type', 'application/json').send({ jsonrpc: '2.0', id: msg.id ?? null, error: { code: -32003, message: reason } });
        }
      }
      const server = buildMcpServer(ctx, registry, credentialOf(req));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      reply.hijack();
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      try {
        await server.connect(transport);
        await transport.handleRequest(req.raw, reply.raw, req.body);
      } catch (err) {
        ctx.log.error('MCP request failed', err);
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' });
          reply.raw.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } }));
        }
      }
    },
  });

  app.get('/api/integrations/mcp/capabilities', { config: AGENT_DOOR }, async (_req, reply) => {
    if (!ctx.config['missions.mcpEnabled']) return sendError(reply, disabled());
    return reply.send({
      ok: true,
      read_only: ctx.config['missions.mcpReadOnly'],
      endpoint: '/mcp',
      tools: visibleTools(ctx).map((t) => ({ name: t.name, title: t.title, description: t.method.description, read_only: !t.write })),
    });
  });

  app.post('/api/integrations/mcp/call', { config: AGENT_DOOR }, async (req, reply) => {
    if (!ctx.config['missions.mcpEnabled']) return sendError(reply, disabled());
    const body = CallBody.safeParse(req.body ?? {});
    if (!body.success) return sendError(reply, badInput(body.error, 'body'));
    const verdict = judgeTool(ctx, body.data.tool);
    if (!verdict.allowed) {
      recordRefusal(ctx, body.data.tool, verdict.reason, body.data.args, 'compat');
      return sendError(reply, new AppError(verdict.tool ? 'forbidden' : 'not_found', verdict.reason));
    }
    try {
      const result = await callAs(registry, ctx, verdict.tool.method, body.data.args, { transport: 'mcp', actor: 'mcp-compat-client', credential: credentialOf(req) });
      return reply.send({ ok: (result as { ok?: boolean }).ok !== false, tool: body.data.tool, result });
    } catch (err) {
      return sendError(reply, err);
    }
  });
}
