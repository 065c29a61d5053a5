// Mission export / import (`mission-export-v1`): the signing key, the export filters, the export as one message
// (JSON-RPC, MCP; REST streams it: stream.ts) and the import of a bundle held in memory (importBundle.ts; REST
// imports off the event loop: importRest.ts). The signature is in signature.ts. The key is
// AGENTORA_MISSIONS_EXPORT_SIGNING_KEY, or else one generated once in `<data dir>/mission-export.key` (0600).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ServerContext } from '../../../context';
import { AppError } from '../../../protocol/errors';
import type { ExportFilters } from '../../../protocol/missionsExchange';
import { snapshotContent } from '../loop';
import type { MissionRow } from '../store';
import { importBundle, SCHEMA_VERSION } from './importBundle';
import { signBundle } from './signature';

export { SCHEMA_VERSION };

export function signingKey(ctx: ServerContext): string {
  const configured = ctx.config['missions.exportSigningKey'];
  if (configured) return configured;
  const file = path.join(ctx.config.dataDir, 'mission-export.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

export function filterSql(f: ExportFilters): { where: string; args: Record<string, string> } {
  const parts: string[] = [];
  const args: Record<string, string> = {};
  for (const c of ['repo', 'persona_id', 'status'] as const)
    if (f[c]) {
      parts.push(`${c} = @${c}`);
      args[c] = f[c]!;
    }
  if (f.start_date) {
    parts.push('created_at >= @start');
    args.start = new Date(Date.parse(f.start_date)).toISOString();
  }
  if (f.end_date) {
    const end = /^\d{4}-\d{2}-\d{2}$/.test(f.end_date) ? Date.parse(f.end_date) + 86_400_000 - 1 : Date.parse(f.end_date);
    parts.push('created_at <= @end');
    args.end = new Date(end).toISOString();
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
}

/**
 * Refuse an export too big for one message. MCP and JSON-RPC answer a whole bundle as one JSON message held in
 * memory at both ends (an agent's context, too); REST streams it. Counted on the narrow index before any row is read.
 */
export function checkMessageExport(ctx: ServerContext, f: ExportFilters): void {
  const { where, args } = filterSql(f);
  const n = (ctx.db.prepare(`SELECT count(*) AS n FROM missions ${where}`).get(args) as { n: number }).n;
  const max = ctx.config['missions.messageExportMaxRuns'];
  if (n > max)
    throw new AppError(
      'bad_request',
      `${n} missions match these filters; an export answered as one message holds at most ${max}`,
      [{ path: 'filters', message: `${n} missions match (at most ${max})` }],
      'Narrow the filters (repo, persona_id, status, start_date, end_date), or download the whole export from GET /api/integrations/export, which streams it (AGENTORA_MISSIONS_MESSAGE_EXPORT_MAX_RUNS sets the limit).',
    );
}

export function exportMissions(ctx: ServerContext, f: ExportFilters) {
  const db = ctx.db;
  const { where, args } = filterSql(f);
  const runs = db.prepare(`SELECT * FROM missions ${where} ORDER BY lineage_depth, created_at, id`).all(args) as MissionRow[];
  const ids = JSON.stringify(runs.map((r) => r.id));
  // Only the filtered runs' rows, by index (mission_id IN the id list).
  const of = (table: string, col = 'mission_id') =>
    db.prepare(`SELECT * FROM ${table} WHERE ${col} IN (SELECT value FROM json_each(?)) ORDER BY id`).all(ids);
  const signed = ctx.config['missions.signExports'];
  const bundle: Record<string, unknown> = {
    schema_version: SCHEMA_VERSION,
    exported_at: new Date().toISOString(),
    filters: f,
    runs,
    timeline_events: of('mission_events'),
    watcher_events: of('mission_watcher_events'),
    alert_events: of('mission_alert_events'),
    operator_decision_events: of('mission_decisions'),
    writebacks: of('mission_writebacks'),
    mission_patterns: [],
    snapshots: Object.fromEntries(runs.map((r) => [r.id, { ...snapshotContent(r), snapshot_hash: r.snapshot_hash }])),
    signed,
  };
  if (signed) bundle.signature = signBundle(bundle, signingKey(ctx));
  return bundle;
}

/** Import a bundle held in memory (JSON-RPC, MCP). The REST import parses and imports off the event loop (importRest.ts). */
export function importMissions(ctx: ServerContext, bundle: Record<string, unknown>) {
  return importBundle(ctx.db, bundle, { requireSignature: ctx.config['missions.signExports'], key: () => signingKey(ctx) });
}
