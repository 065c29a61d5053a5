// Where the editor forwards the studio. In code-server (and other remote editors) "Open Studio in Browser" goes
// through the editor's own host (vscode.env.asExternalUri → https://host/proxy/<port>/), so requests arrive with
// that Host and Origin, which the loopback-only guard refuses. Only the editor, over its private language-server
// connection, can vouch for such an origin; the HTTP guard then accepts exactly that host and origin (the token
// is still required). Nothing reachable over HTTP can add one.
import { AppError } from '../../protocol';
import { trustEditorOrigin } from '../../protocol/system';
import type { ServerContext } from '../../context';
import { implement } from '../registry';

const trusted = new WeakMap<ServerContext, Set<string>>();

/** The origins (scheme://host[:port]) the editor vouched for, for the HTTP guard. */
export function editorOrigins(ctx: ServerContext): ReadonlySet<string> {
  return trusted.get(ctx) ?? new Set();
}

export const trustEditorOriginService = implement(trustEditorOrigin, (p, ctx, call) => {
  if (call.transport !== 'lsp') throw new AppError('forbidden', 'only the editor connection may name the origin it forwards the studio through');
  const origin = new URL(p.origin).origin;
  const set = trusted.get(ctx) ?? new Set<string>();
  set.add(origin);
  trusted.set(ctx, set);
  ctx.log.info(`studio: accepting requests forwarded by the editor through ${origin}`);
  return { ok: true, origins: [...set] };
});
