// Who may call what, by door and credential (docs/security.md "The credentials"). Every HTTP door (REST, /rpc,
// MCP) calls methods through `callAs`, so the same rules hold whichever way a request arrives:
// - `editor` methods are served only on the editor's language-server connection, never over HTTP or MCP;
// - an agent credential may call only methods declared `scope: 'agent'`, and sees only the actions it proposed.
import type { CallCredential, CallInfo, ServerContext } from '../../context';
import { AppError, type AnyMethod, type MethodScope } from '../../protocol';
import type { ServiceRegistry } from '../registry';
import { credentialStore } from './store';

/** A refusal because of who is calling (not because of what): the /rpc door answers it with HTTP 403 too. */
export class CredentialRefused extends AppError {}

export const scopeOf = (spec: AnyMethod): MethodScope => spec.scope ?? 'operator';

/** Methods whose `id` param names an action: an agent may use them only on actions it proposed. */
const OWN_ACTION_METHODS = new Set(['agentora/actions/get', 'agentora/actions/preview']);
const PROPOSE = 'agentora/actions/propose';

export const describeCredential = (c: CallCredential): string =>
  c.kind === 'agent'
    ? `the agent credential '${c.name}'`
    : c.kind === 'worker'
      ? `the worker token '${c.name}'`
      : c.kind === 'operator'
        ? 'the operator credential'
        : "the editor's connection";

/** Why this credential may not call this method through an HTTP door, or null when it may. */
export function refusal(spec: AnyMethod, cred: CallCredential): AppError | null {
  const scope = scopeOf(spec);
  if (scope === 'editor' && cred.kind !== 'editor') {
    return new AppError('not_found', `${spec.method} is served only on the editor's own connection (VS Code), never over HTTP, /rpc or MCP`);
  }
  if (cred.kind === 'worker' && scope !== 'worker') {
    return new CredentialRefused(
      'forbidden',
      `${spec.method} is not a worker route: this request used ${describeCredential(cred)}, which reaches only the worker routes (register, heartbeat, claim, report)`,
    );
  }
  if (cred.kind === 'agent' && scope !== 'agent') {
    return new CredentialRefused(
      'forbidden',
      `${spec.method} needs the operator credential: this request used ${describeCredential(cred)}, which may call only agent methods (propose actions, read its own actions, memory, missions)`,
      undefined,
      'Agent credentials cannot approve, deny, change rules, grants, settings or integrations: the operator does that in the editor or the studio. See docs/security.md.',
    );
  }
  return null;
}

export function actorOf(cred: CallCredential, fallback: string): string {
  return cred.kind === 'agent' ? `agent:${cred.name}` : cred.kind === 'worker' ? `worker:${cred.name}` : fallback;
}

/** Call a method as this credential: refuse what it may not call, keep agents to their own actions. */
/** A REST call with its raw body (registry.callRaw) under the same refusal rules as callAs. */
export function callRawAs(registry: ServiceRegistry, spec: AnyMethod, body: Buffer, credential: CallCredential): Promise<unknown> {
  const denied = refusal(spec, credential);
  if (denied) throw denied;
  return registry.callRaw(spec.method, body, { transport: 'rest', actor: actorOf(credential, 'http'), credential });
}

/** A streamed REST answer (registry.stream) under the same refusal rules as callAs. */
export function streamAs(registry: ServiceRegistry, spec: AnyMethod, params: unknown, credential: CallCredential): AsyncIterable<string> {
  const denied = refusal(spec, credential);
  if (denied) throw denied;
  const call = { transport: 'rest' as const, actor: actorOf(credential, 'http'), credential };
  const chunks = registry.stream(spec.method, params, call);
  if (!chunks) throw new AppError('internal', `${spec.method} has no streamed answer`);
  return chunks;
}

/** A ready JSON REST answer (registry.json) under the same refusal rules as callAs; null: none ready. */
export function jsonAs(registry: ServiceRegistry, spec: AnyMethod, params: unknown, credential: CallCredential): string | Buffer | null {
  const denied = refusal(spec, credential);
  if (denied) throw denied;
  return registry.json(spec.method, params, { transport: 'rest', actor: actorOf(credential, 'http'), credential });
}

export async function callAs(
  registry: ServiceRegistry,
  ctx: ServerContext,
  spec: AnyMethod,
  params: unknown,
  call: CallInfo & { credential: CallCredential },
): Promise<unknown> {
  const cred = call.credential;
  const denied = refusal(spec, cred);
  if (denied) throw denied;
  if (cred.kind === 'agent' && OWN_ACTION_METHODS.has(spec.method)) {
    const id = Number((params as { id?: unknown } | null)?.id);
    if (Number.isInteger(id) && id > 0 && (cred.id === null || credentialStore(ctx.db).proposerOf(id) !== cred.id)) {
      throw new CredentialRefused(
        'forbidden',
        `Action ${id} was not proposed by ${describeCredential(cred)}: an agent credential sees only the actions it proposed`,
      );
    }
  }
  const result = await registry.call(spec.method, params, { ...call, actor: actorOf(cred, call.actor) });
  if (cred.kind === 'agent' && cred.id !== null && spec.method === PROPOSE) {
    const id = (result as { id?: unknown }).id;
    if (typeof id === 'number') credentialStore(ctx.db).recordProposer(id, cred.id);
  }
  return result;
}
