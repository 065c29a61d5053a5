// Background parts of an area (watchers, job runners, extra HTTP endpoints such as /mcp). app.ts starts every
// runtime after the services are registered and stops them before the database closes. State belongs in a
// WeakMap keyed by the ServerContext (or in a closure made by start), never in a module-level singleton.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context';
import type { ServiceRegistry } from './services/registry';

export interface AreaRuntime {
  readonly name: string;
  /** Start timers/workers. Must not block: long work runs in the background. */
  start?(ctx: ServerContext, registry: ServiceRegistry): void | Promise<void>;
  /** Settings changed (ctx.config is already the new config). */
  reconfigure?(ctx: ServerContext): void;
  /** Mount routes that are not plain REST adapters (e.g. the MCP endpoint). Called before the REST routes. */
  mountHttp?(app: FastifyInstance, ctx: ServerContext, registry: ServiceRegistry): void;
  /** Stop everything started; called before the database closes. */
  stop?(ctx: ServerContext): Promise<void> | void;
}
