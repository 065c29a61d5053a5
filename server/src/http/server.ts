// The HTTP server: guards first, then REST routes, JSON-RPC, server-sent events and the studio.
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { ServerContext } from '../context';
import { AppError } from '../protocol';
import type { ServiceRegistry } from '../services/registry';
import type { AreaRuntime } from '../runtime';
import { mountEvents } from './events';
import { createGuard } from './guards';
import type { AgentoraRouteConfig } from './credential';
import { AGENT_SECRET_PREFIX, credentialStore } from '../services/credentials/store';
import { sessionValid } from '../services/credentials/sessions';
import { editorOrigins } from '../services/system/editorOrigins';
import { workerBySecret } from '../services/workers/tokens';
import { createBulkGate, isBulkRoute } from './bulkGate';
import { mountRest, sendError } from './rest';
import { mountRpc } from './rpc';
import { mountStudio } from './studio';

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const BODY_LIMIT = 10 * 1024 * 1024;

export async function startHttpServer(
  ctx: ServerContext,
  registry: ServiceRegistry,
  opts: { host: string; port: number; https?: { key: string; cert: string } | null },
  runtimes: readonly AreaRuntime[] = [],
): Promise<RunningHttpServer> {
  const base = { logger: false, bodyLimit: BODY_LIMIT, forceCloseConnections: true, return503OnClosing: true } as const;
  // HTTPS on a non-loopback bind (services/workers/tls.ts); the routes are the same either way.
  const app: FastifyInstance = opts.https ? (Fastify({ ...base, https: opts.https }) as unknown as FastifyInstance) : Fastify(base);
  let port = opts.port;
  const agents = credentialStore(ctx.db);
  const guard = createGuard({
    configuredHost: opts.host,
    port: () => port,
    token: () => ctx.token,
    mcpApiKey: () => ctx.config['missions.mcpApiKey'],
    agentBySecret: (secret) => (secret.startsWith(AGENT_SECRET_PREFIX) ? agents.bySecret(secret) : undefined),
    workerBySecret: (secret) => workerBySecret(ctx, secret),
    session: (sid) => sessionValid(ctx, sid),
    editorOrigins: () => editorOrigins(ctx),
  });
  app.decorateRequest('credential', null);

  const bulk = createBulkGate(); // workers' bursts take turns (http/bulkGate.ts); registered first: auth waits too
  app.addHook('onRequest', async (req) => (isBulkRoute(req.method, req.routeOptions.url) ? bulk.turn() : undefined));
  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Cache-Control', 'no-store');
    const verdict = guard.check(req.headers, req.method, req.url);
    if (verdict.denied) {
      const kind = verdict.denied.status === 401 ? 'unauthorized' : 'forbidden';
      return reply.code(verdict.denied.status).send(new AppError(kind, verdict.denied.message).toBody());
    }
    req.credential = verdict.credential;
  });
  // After routing: an agent credential reaches only the doors that check methods one by one (REST method routes,
  // /rpc, MCP). Every other route — the event stream, and any route added later — is the operator's by default.
  app.addHook('preHandler', async (req, reply) => {
    const cred = req.credential;
    // A worker token reaches the worker routes only (never /rpc, MCP or events), whatever the method.
    const workerRoute = cred?.kind === 'worker' && (req.routeOptions.url ?? '').startsWith('/api/workers/');
    if (
      (cred?.kind !== 'agent' && cred?.kind !== 'worker') ||
      workerRoute ||
      (cred.kind === 'agent' && (req.routeOptions.config as AgentoraRouteConfig | undefined)?.agentDoor)
    )
      return;
    const route = `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`;
    const who = cred.kind === 'agent' ? `the agent credential '${cred.name}'` : `the worker token '${cred.name}'`;
    return reply.code(403).send(new AppError('forbidden', `${route} needs the operator credential: this request used ${who}`).toBody());
  });

  // Malformed JSON, wrong content type, oversized bodies: a clear 4xx in our error shape, never a 500.
  app.setErrorHandler((err: { statusCode?: number; message: string; code?: string }, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const kind = status === 404 ? 'not_found' : status === 413 ? 'bad_request' : 'bad_request';
      return reply.code(status === 415 || status === 413 ? status : 400).send(new AppError(kind, `Invalid request: ${err.message}`).toBody());
    }
    ctx.log.error('unhandled HTTP error', err);
    return sendError(reply, new AppError('internal', 'Internal error'));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(new AppError('not_found', `No route ${req.method} ${req.url.split('?')[0]}`).toBody()));

  for (const rt of runtimes) rt.mountHttp?.(app, ctx, registry);
  mountRest(app, ctx, registry);
  mountRpc(app, ctx, registry);
  mountEvents(app, ctx.events, ctx.log);
  mountStudio(app, ctx);

  await app.listen({ host: opts.host, port: opts.port });
  port = (app.server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `${opts.https ? 'https' : 'http'}://${hostForUrl}:${port}`;
  ctx.log.info(`HTTP API listening on ${url}`);
  return { url, port, close: () => app.close() };
}
