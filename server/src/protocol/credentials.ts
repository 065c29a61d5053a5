// Credentials contract: the operator issues one agent credential per agent or script (the secret is shown once,
// only its hash is stored), lists and revokes them; an agent asks who it is. See docs/security.md.
import { z } from 'zod';
import { defineMethod, NoParams, zInt } from './define';

export const AgentCredential = z.object({
  id: z.number().int(),
  name: z.string(),
  /** The first characters of the secret, so the operator can tell credentials apart; never enough to use. */
  prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type AgentCredential = z.infer<typeof AgentCredential>;

export const list = defineMethod({
  method: 'agentora/credentials/list',
  description: 'Agent credentials issued by the operator (revoked ones too, marked), newest first. Secrets are never listed.',
  params: NoParams,
  result: z.object({ items: z.array(AgentCredential) }),
  rest: { verb: 'GET', path: '/api/credentials' },
  readOnly: true,
});

export const create = defineMethod({
  method: 'agentora/credentials/create',
  description: 'Issue an agent credential for one agent or script. The secret is in this answer only: it is stored hashed.',
  params: z.object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[^\r\n\0]+$/, 'must be a single line'),
  }),
  result: z.object({ credential: AgentCredential, secret: z.string() }),
  rest: { verb: 'POST', path: '/api/credentials', status: 201 },
});

export const revoke = defineMethod({
  method: 'agentora/credentials/revoke',
  description: 'Revoke an agent credential: from now on every request that uses it is 401.',
  params: z.object({ id: zInt.pipe(z.number().int().min(1)) }),
  result: AgentCredential,
  rest: [
    { verb: 'DELETE', path: '/api/credentials/:id' },
    { verb: 'POST', path: '/api/credentials/:id/revoke' },
  ],
});

export const whoami = defineMethod({
  method: 'agentora/credentials/whoami',
  description: 'Which credential this request uses and, for an agent credential, the ids of the actions it proposed (newest first, at most 200).',
  params: NoParams,
  result: z.object({
    kind: z.enum(['editor', 'operator', 'agent', 'worker']),
    name: z.string(),
    credential_id: z.number().int().nullable(),
    action_ids: z.array(z.number().int()),
  }),
  rest: { verb: 'GET', path: '/api/credentials/me' },
  scope: 'agent',
  readOnly: true,
});

export const bindApiKey = defineMethod({
  method: 'agentora/credentials/bindApiKey',
  description: "Bind the current PhiOS / AgentCeption API key to the current URL's origin (after the operator moved the service on purpose).",
  params: z.object({ system: z.enum(['phios', 'agentception']) }),
  result: z.object({ ok: z.boolean(), system: z.enum(['phios', 'agentception']), origin: z.string().nullable() }),
  rest: { verb: 'POST', path: '/api/credentials/api-keys/:system/bind' },
});

export const studioLink = defineMethod({
  method: 'agentora/credentials/studioLink',
  description: 'A fresh browser studio link: it carries a one-time code (never the token), exchanged for a session cookie when opened.',
  params: NoParams,
  result: z.object({ url: z.string().nullable(), error: z.string().nullable() }),
  rest: { verb: 'POST', path: '/api/credentials/studio-link' },
});
export const credentialsMethods = [list, create, revoke, whoami, bindApiKey, studioLink] as const;
