// JSON-RPC 2.0 over HTTP (`POST /rpc`), for the browser studio: the same method names and params as the
// language-server connection, so the webview client speaks one protocol over either transport.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, RPC_CODE } from '../protocol';
import type { ServiceRegistry } from '../services/registry';
import type { ServerContext } from '../context';
import { callAs, CredentialRefused, scopeOf } from '../services/credentials/access';
import { credentialOf, type AgentoraRouteConfig } from './credential';

const Envelope = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number(), z.null()]).optional(),
  method: z.string().min(1),
  params: z.unknown().optional(),
});

export function mountRpc(app: FastifyInstance, ctx: ServerContext, registry: ServiceRegistry): void {
  app.post('/rpc', { config: { agentDoor: true } satisfies AgentoraRouteConfig }, async (req, reply) => {
    const env = Envelope.safeParse(req.body);
    if (!env.success) {
      return reply.send({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'Invalid JSON-RPC request: expected {jsonrpc:"2.0", id, method, params}' },
      });
    }
    const { id = null, method, params } = env.data;
    const spec = registry.spec(method);
    if (!spec) return reply.send({ jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${method}` } });
    // Editor-only methods do not exist on this door (same answer as an unknown method, with the reason).
    if (scopeOf(spec) === 'editor')
      return reply.send({
        jsonrpc: '2.0',
        id,
        error: { code: -32601, message: `Method not found: ${method} is served only on the editor's own connection (VS Code), never over /rpc` },
      });
    try {
      const result = await callAs(registry, ctx, spec, params, { transport: 'rpc-http', actor: 'browser', credential: credentialOf(req) });
      return reply.send({ jsonrpc: '2.0', id, result });
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('internal', 'Internal error');
      // A refused credential is refused at the HTTP level too (403), like the REST door; the envelope stays JSON-RPC.
      if (err instanceof CredentialRefused) reply.code(403);
      return reply.send({ jsonrpc: '2.0', id, error: { code: RPC_CODE[e.kind], message: e.message, data: e.toBody() } });
    }
  });
}
