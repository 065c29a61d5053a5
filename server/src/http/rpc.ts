// JSON-RPC 2.0 over HTTP (`POST /rpc`), for the browser studio: the same method names and params as the
// language-server connection, so the webview client speaks one protocol over either transport.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, RPC_CODE } from '../protocol';
import type { ServiceRegistry } from '../services/registry';

const Envelope = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number(), z.null()]).optional(),
  method: z.string().min(1),
  params: z.unknown().optional(),
});

export function mountRpc(app: FastifyInstance, registry: ServiceRegistry): void {
  app.post('/rpc', async (req, reply) => {
    const env = Envelope.safeParse(req.body);
    if (!env.success) {
      return reply.send({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid JSON-RPC request: expected {jsonrpc:"2.0", id, method, params}' } });
    }
    const { id = null, method, params } = env.data;
    if (!registry.has(method)) return reply.send({ jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${method}` } });
    try {
      const result = await registry.call(method, params, { transport: 'rpc-http', actor: 'browser' });
      return reply.send({ jsonrpc: '2.0', id, result });
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('internal', 'Internal error');
      return reply.send({ jsonrpc: '2.0', id, error: { code: RPC_CODE[e.kind], message: e.message, data: e.toBody() } });
    }
  });
}
