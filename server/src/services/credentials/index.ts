// Credentials area: agent credentials (issue, list, revoke, whoami), API-key origin binding, studio links.
import * as C from '../../protocol/credentials';
import { AppError, notFound } from '../../protocol/errors';
import { implement, type Implementation } from '../registry';
import { bindKey, rawConfigOf } from './apiKeys';
import { studioLink } from './sessions';
import { credentialStore } from './store';

export { callAs, refusal, scopeOf } from './access';

export const credentialsServices: readonly Implementation[] = [
  implement(C.list, (_p, ctx) => ({ items: credentialStore(ctx.db).list() })),
  implement(C.create, (p, ctx, call) => {
    const out = credentialStore(ctx.db).create(p.name);
    ctx.log.info(`agent credential #${out.credential.id} '${out.credential.name}' issued by ${call.actor}`);
    return out;
  }),
  implement(C.revoke, (p, ctx, call) => {
    const store = credentialStore(ctx.db);
    if (!store.get(p.id)) throw notFound('Agent credential', p.id);
    const c = store.revoke(p.id)!;
    ctx.log.info(`agent credential #${c.id} '${c.name}' revoked by ${call.actor}`);
    return c;
  }),
  implement(C.whoami, (_p, ctx, call) => {
    const c = call.credential ?? { kind: 'editor' as const };
    if (c.kind === 'agent')
      return { kind: 'agent' as const, name: c.name, credential_id: c.id, action_ids: c.id === null ? [] : credentialStore(ctx.db).actionsOf(c.id) };
    return { kind: c.kind, name: c.kind === 'worker' ? c.name : c.kind === 'operator' ? 'operator' : 'editor', credential_id: null, action_ids: [] };
  }),
  implement(C.bindApiKey, (p, ctx) => {
    const raw = rawConfigOf(ctx) ?? ctx.config;
    const key = raw[`${p.system}.apiKey`];
    if (!key)
      throw new AppError('bad_request', `Invalid params: system: no ${p.system} API key is set`, [{ path: 'system', message: 'no API key set' }]);
    const origin = new URL(raw[`${p.system}.url`]).origin;
    bindKey(ctx.db, p.system, key, origin);
    ctx.reloadConfig?.(); // re-applies the bindings: the key is sent again
    return { ok: true, system: p.system, origin };
  }),
  implement(C.studioLink, (_p, ctx) => ({ url: ctx.http.url ? studioLink(ctx, ctx.http.url) : null, error: ctx.http.error })),
];
