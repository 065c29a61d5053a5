// The credential each HTTP request holds (set by the guard in server.ts) and the route flag that lets agent
// credentials through to a door that checks each method itself.
import type { CallCredential } from '../context';

/** `config` of a Fastify route: `agentDoor` routes check scope per method (REST method routes, /rpc, MCP). */
export interface AgentoraRouteConfig {
  agentDoor?: boolean;
}

declare module 'fastify' {
  // Declared on Fastify's route config too: a plugin that augments it (@fastify/multipart) makes unknown keys errors.
  interface FastifyContextConfig {
    agentDoor?: boolean;
  }
  interface FastifyRequest {
    /** Who holds this request; null on open routes. */
    credential: CallCredential | null;
  }
}

/** The credential of a request that passed the guard (open routes have none: treat them as the operator's shell). */
export function credentialOf(req: { credential: CallCredential | null }): CallCredential {
  return req.credential ?? { kind: 'operator', via: 'token' };
}
