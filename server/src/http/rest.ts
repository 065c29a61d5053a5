// REST adapter: mounts every protocol method that declares a route. Path params, query and JSON body are merged
// into one params object and handed to the same service call the other transports use.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, HTTP_STATUS, type AnyMethod, type RestRoute } from '../protocol';
import type { ServiceRegistry } from '../services/registry';
import type { ServerContext } from '../context';
import { Readable } from 'node:stream';
import { callAs, callRawAs, jsonAs, scopeOf, streamAs } from '../services/credentials/access';
import { credentialOf, type AgentoraRouteConfig } from './credential';

export function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const e = err instanceof AppError ? err : new AppError('internal', 'Internal error');
  return reply.code(HTTP_STATUS[e.kind]).send(e.toBody());
}

/**
 * A JSON answer sent as bytes: one UTF-8 encode of the text, where Fastify's own path (serialize to a string,
 * Buffer.byteLength for Content-Length, then encode again inside the socket write) walks a large answer three
 * times — 0.2–0.3 ms of a 100 KB portfolio's 1.5 ms (session 11's profile). Same text and headers as Fastify's.
 */
export function sendJson(reply: FastifyReply, status: number, value: unknown): FastifyReply {
  reply.code(status);
  // Text a route's wire already made (a Markdown or CSV download with its own Content-Type) goes as it is.
  if (value === undefined || typeof value === 'string' || Buffer.isBuffer(value)) return reply.send(value);
  return reply.type('application/json; charset=utf-8').send(Buffer.from(JSON.stringify(value)));
}

/**
 * A streamed answer: the first chunk is awaited before the status is sent, so an error found up front (a bad
 * filter, a missing key) is still a proper error answer; later chunks flow with backpressure (Readable.from).
 */
async function sendStream(reply: FastifyReply, route: RestRoute, chunks: AsyncIterable<string>): Promise<FastifyReply> {
  const it = chunks[Symbol.asyncIterator]();
  const first = await it.next();
  async function* rest() {
    if (!first.done) yield first.value;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  }
  return reply
    .code(route.status ?? 200)
    .type('application/json; charset=utf-8')
    .send(Readable.from(rest()));
}

/**
 * A route whose body reaches the service as raw bytes (rest.rawBodyLimit): in its own Fastify scope, whose only
 * content parser hands over the Buffer unparsed, with the route's own body limit.
 */
function mountRaw(app: FastifyInstance, ctx: ServerContext, registry: ServiceRegistry, spec: AnyMethod, route: RestRoute): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: route.rawBodyLimit }, (_req, body, done) => done(null, body));
    scope.route({
      method: route.verb,
      url: route.path,
      bodyLimit: route.rawBodyLimit,
      config: { agentDoor: true } satisfies AgentoraRouteConfig,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        try {
          const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          const result = await callRawAs(registry, spec, body, credentialOf(req));
          const wire = route.wire;
          return sendJson(reply, route.status ?? 200, wire?.toWire ? wire.toWire(result, {}) : result);
        } catch (err) {
          return sendError(reply, err);
        }
      },
    });
  });
}

export function mountRest(app: FastifyInstance, ctx: ServerContext, registry: ServiceRegistry): void {
  for (const impl of registry.methods()) {
    const rest = impl.spec.rest;
    // Editor-only methods (e.g. setWorkspaceFolders) get no HTTP route, whatever their declaration says.
    if (!rest || scopeOf(impl.spec) === 'editor') continue;
    for (const route of (Array.isArray(rest) ? rest : [rest]) as RestRoute[]) {
      if (route.rawBodyLimit && impl.restRaw) {
        mountRaw(app, ctx, registry, impl.spec, route);
        continue;
      }
      // Ready JSON text is the wire answer itself: only for routes whose wire shape is the result as it is.
      if (impl.restJson && (route.wire?.toWire || route.wire?.headers))
        throw new Error(`${impl.spec.method}: a ready JSON answer (restJson) cannot go through toWire / headers`);
      app.route({
        method: route.verb,
        url: route.path,
        config: { agentDoor: true } satisfies AgentoraRouteConfig,
        handler: async (req: FastifyRequest, reply: FastifyReply) => {
          const body = req.body;
          if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
            return sendError(
              reply,
              new AppError('bad_request', 'Invalid body: expected a JSON object', [{ path: '', message: 'expected a JSON object' }]),
            );
          }
          let params: Record<string, unknown> = { ...(req.query as object), ...((body as object) ?? {}), ...(req.params as object) };
          const wire = route.wire;
          try {
            if (wire?.fromWire) params = wire.fromWire(params);
            if (impl.restStream) return await sendStream(reply, route, streamAs(registry, impl.spec, params, credentialOf(req)));
            if (impl.restJson) {
              const json = jsonAs(registry, impl.spec, params, credentialOf(req));
              if (json !== null)
                return reply
                  .code(route.status ?? 200)
                  .type('application/json; charset=utf-8')
                  .send(json);
            }
            const result = await callAs(registry, ctx, impl.spec, params, { transport: 'rest', actor: 'http', credential: credentialOf(req) });
            if (!wire) return sendJson(reply, route.status ?? 200, result);
            if (wire.headers) reply.headers(wire.headers(result, params));
            return sendJson(reply, route.status ?? 200, wire.toWire ? wire.toWire(result, params) : result);
          } catch (err) {
            return sendError(reply, err);
          }
        },
      });
    }
  }
}
