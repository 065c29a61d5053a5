// The MCP doors: the real endpoint (Streamable HTTP at /mcp, stateless JSON mode, one SDK server + transport per
// request) and the compatibility routes of the earlier product (GET /api/integrations/mcp/capabilities,
// POST /api/integrations/mcp/call). Auth (MCP key or server token) and Origin/Host checks are in http/guards.ts;
// enabled / read-only / allowed-tools are checked here, per request, so a settings change applies at once.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import * as M from '../../../protocol/missions';
import { implement, type Implementation } from '../../registry';
import type { ServerContext } from '../../../context';
import { AppError } from '../../../protocol/errors';
import { sendError } from '../../../http/rest';
import type { ServiceRegistry } from '../../registry';
import { callAs } from '../../credentials/access';
import { credentialOf, type AgentoraRouteConfig } from '../../../http/credential';
import { judgeTool, recordRefusal, visibleTools } from './policy';
import { buildMcpServer } from './server';

const disabled = () =>
  new AppError('not_found', 'MCP is disabled: set AGENTORA_MISSIONS_MCP_ENABLED=true (agentora.missions.mcpEnabled) to serve the mission tools');

/** These doors check each tool's method scope themselves (services/credentials/access.ts), so agent credentials may enter. */
const AGENT_DOOR: AgentoraRouteConfig = { agentDoor: true };

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
          return reply
            .code(200)
            .header('content-type', 'application/json')
            .send({ jsonrpc: '2.0', id: msg.id ?? null, result: { content: [{ type: 'text', text: verdict.reason }], isError: true } });
        }
      }
      // The mission resource is get_mission by another name: refused (and recorded) exactly when that tool is.
      if (req.method === 'POST' && msg && !Array.isArray(msg) && msg.method === 'resources/read') {
        const verdict = judgeTool(ctx, 'get_mission');
        if (!verdict.allowed) {
          const uri = String((msg.params as { uri?: unknown } | undefined)?.uri ?? '');
          const reason = `Resource ${uri} is refused: it is read with get_mission, and ${verdict.reason.charAt(0).toLowerCase()}${verdict.reason.slice(1)}`;
          recordRefusal(ctx, 'get_mission', reason, { run_id: /^agentora:\/\/missions\/(.+)$/.exec(uri)?.[1] }, 'mcp');
          return reply
            .code(200)
            .header('content-type', 'application/json')
            .send({ jsonrpc: '2.0', id: msg.id ?? null, error: { code: -32003, message: reason } });
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
}

/** The registry per server, for the compatibility door's tool calls (set by the runtime's start / mountHttp). */
const registries = new WeakMap<ServerContext, ServiceRegistry>();
export function rememberRegistry(ctx: ServerContext, registry: ServiceRegistry): void {
  registries.set(ctx, registry);
}

/** GET /api/integrations/mcp/capabilities and POST /api/integrations/mcp/call (wire shapes in protocol/wire/missions.ts). */
export const mcpCompatServices: readonly Implementation[] = [
  implement(M.mcpCapabilities, (_p, ctx) => {
    if (!ctx.config['missions.mcpEnabled']) throw disabled();
    return {
      ok: true,
      read_only: ctx.config['missions.mcpReadOnly'],
      endpoint: '/mcp',
      tools: visibleTools(ctx).map((t) => ({ name: t.name, title: t.title, description: t.method.description, read_only: !t.write })),
    };
  }),
  implement(M.mcpCall, async (p, ctx, call) => {
    if (!ctx.config['missions.mcpEnabled']) throw disabled();
    const verdict = judgeTool(ctx, p.tool);
    if (!verdict.allowed) {
      recordRefusal(ctx, p.tool, verdict.reason, p.args, 'compat');
      throw new AppError(verdict.tool ? 'forbidden' : 'not_found', verdict.reason);
    }
    const registry = registries.get(ctx);
    if (!registry) throw new AppError('unavailable', 'The MCP door is not ready yet');
    // The caller's credential goes with the call: an agent credential reaches only agent-scoped tools.
    const result = await callAs(registry, ctx, verdict.tool.method, p.args, {
      transport: 'mcp',
      actor: 'mcp-compat-client',
      credential: call.credential ?? { kind: 'editor' },
    });
    return { ok: (result as { ok?: boolean }).ok !== false, tool: p.tool, result };
  }),
];
