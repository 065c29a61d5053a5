import { connectionInfo, health, version } from '../../protocol/system';
import type { ServerContext } from '../../context';
import { schemaVersion } from '../../store/db';
import { implement } from '../registry';
import { studioLink } from '../credentials/sessions';

export const SERVICE_NAME = 'agentora';

function mode(ctx: ServerContext): 'mock' | 'live' {
  return ctx.models.kind === 'mock' || ctx.config['integrations.mock'] ? 'mock' : 'live';
}

export const healthService = implement(health, (_p, ctx) => ({ ok: true, service: SERVICE_NAME, mode: mode(ctx) }));

let sqliteVersion: string | undefined;

export const versionService = implement(version, (_p, ctx) => {
  sqliteVersion ??= (ctx.db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  const host = ctx.config['server.host'];
  return {
    ok: true,
    service: SERVICE_NAME,
    version: ctx.version,
    title: 'Agentora — local-first agent operating studio',
    network_mode: ['127.0.0.1', 'localhost', '::1'].includes(host) ? ('loopback' as const) : ('network' as const),
    offline_friendly: true,
    node_version: process.version,
    sqlite_version: sqliteVersion,
    schema_version: schemaVersion(ctx.db),
    data_dir: ctx.config.dataDir,
  };
});

export const connectionInfoService = implement(connectionInfo, (_p, ctx) => ({
  http_url: ctx.http.url,
  studio_url: ctx.http.url ? studioLink(ctx, ctx.http.url) : null, // a one-time code, never the token
  http_error: ctx.http.error,
  data_dir: ctx.config.dataDir,
}));
