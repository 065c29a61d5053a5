// Mission export / import (`mission-export-v1`). The signature is HMAC-SHA256 over the canonical JSON of the
// bundle without its `signature` field (keys sorted, no whitespace: the snapshot hash encoding), so any byte
// that changes the data changes the signature and re-serialising does not. The key is
// AGENTORA_MISSIONS_EXPORT_SIGNING_KEY, or else one generated once in `<data dir>/mission-export.key` (0600).
// Import is one transaction: additive (existing missions with the same snapshot are kept as they are, so a
// re-import changes nothing), ids that collide with a different mission are remapped and the remap is applied to
// parent / root ids of every imported mission, so lineage stays consistent.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ServerContext } from '../../../context';
import { AppError } from '../../../protocol/errors';
import type { ExportFilters } from '../../../protocol/missionsExchange';
import { canonicalJson } from '../snapshot';
import { snapshotContent } from '../loop';
import type { MissionRow } from '../store';

export const SCHEMA_VERSION = 'mission-export-v1';
const bad = (field: string, message: string) => new AppError('bad_request', `Invalid bundle: ${field}: ${message}`, [{ path: field, message }]);

export function signingKey(ctx: ServerContext): string {
  const configured = ctx.config['missions.exportSigningKey'];
  if (configured) return configured;
  const file = path.join(ctx.config.dataDir, 'mission-export.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

export function signBundle(bundle: Record<string, unknown>, key: string): string {
  const { signature: _drop, ...rest } = bundle;
  return createHmac('sha256', key).update(canonicalJson(rest)).digest('hex');
}

export function verifyBundle(bundle: Record<string, unknown>, key: string): boolean {
  const sig = bundle.signature;
  if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) return false;
  return timingSafeEqual(Buffer.from(sig, 'hex'), Buffer.from(signBundle(bundle, key), 'hex'));
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

const arr = (b: Record<string, unknown>, k: string): Record<string, unknown>[] => {
  const v = b[k] ?? [];
  if (!Array.isArray(v) || v.some((x) => x === null || typeof x !== 'object' || Array.isArray(x))) throw bad(k, 'expected an array of objects');
  return v as Record<string, unknown>[];
};

export function importMissions(ctx: ServerContext, bundle: Record<string, unknown>) {
  if (bundle.schema_version !== SCHEMA_VERSION) throw bad('schema_version', `expected "${SCHEMA_VERSION}"`);
  const requireSig = ctx.config['missions.signExports'];
  if (bundle.signed === true || bundle.signature !== undefined || requireSig) {
    if (bundle.signature === undefined) throw bad('signature', 'missing: signed bundles are required (AGENTORA_MISSIONS_SIGN_EXPORTS)');
    if (!verifyBundle(bundle, signingKey(ctx)))
      throw bad('signature', 'does not match the bundle (changed after export, or signed with another key)');
  }
  const db = ctx.db;
  const runs = arr(bundle, 'runs');
  const cols = new Set((db.prepare('PRAGMA table_info(missions)').all() as { name: string }[]).map((c) => c.name));
  const required = [
    'id',
    'created_at',
    'status',
    'repo',
    'persona_id',
    'mission_title',
    'objective',
    'session_id',
    'packet_json',
    'snapshot_hash',
    'root_mission_id',
  ];
  runs.forEach((r, i) => {
    for (const k of required) if (typeof r[k] !== 'string' || r[k] === '') throw bad(`runs[${i}].${k}`, 'required text');
  });
  const existing = db.prepare('SELECT snapshot_hash FROM missions WHERE id = ?').pluck();
  const counts = {
    imported_runs: 0,
    skipped_runs: 0,
    remapped_runs: 0,
    imported_watcher_events: 0,
    imported_alert_events: 0,
    imported_operator_decision_events: 0,
    imported_timeline_events: 0,
    imported_writebacks: 0,
    imported_mission_patterns: 0,
  };
  const idMap = new Map<string, string>();

  db.transaction(() => {
    // Decide each run: same id + same snapshot → already here (skip); same id, other content → new id.
    const fresh: Record<string, unknown>[] = [];
    for (const r of runs) {
      const id = r.id as string;
      const here = existing.get(id) as string | undefined;
      if (here === r.snapshot_hash) {
        counts.skipped_runs++;
        continue;
      }
      if (here !== undefined) {
        idMap.set(id, `run_${randomUUID().replaceAll('-', '').slice(0, 16)}`);
        counts.remapped_runs++;
      } else idMap.set(id, id);
      fresh.push(r);
    }
    const mapId = (v: unknown) => (typeof v === 'string' ? (idMap.get(v) ?? v) : v);
    const exists = db.prepare('SELECT 1 FROM missions WHERE id = ?').pluck();
    // Parents first (the bundle is ordered by depth; sort again so a hand-made bundle works too).
    fresh.sort((a, b) => Number(a.lineage_depth ?? 0) - Number(b.lineage_depth ?? 0));
    for (const r of fresh) {
      const row: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) if (cols.has(k) && k !== 'rowid') row[k] = v;
      row.id = mapId(r.id);
      row.root_mission_id = mapId(r.root_mission_id);
      row.updated_at = row.updated_at ?? row.created_at;
      const parent = mapId(r.parent_mission_id ?? null);
      // A parent that is neither here nor in the bundle: keep the lineage text in provenance, drop the link.
      row.parent_mission_id = parent && exists.get(parent) ? parent : null;
      const keys = Object.keys(row);
      db.prepare(`INSERT INTO missions (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`).run(row);
      counts.imported_runs++;
    }
    const imported = new Set(fresh.map((r) => r.id as string));
    // History is not news: the alerts the inserts above raised are replaced by the bundle's own alert records,
    // and whatever the timeline replay raises below is marked skipped, never sent.
    const newIds = JSON.stringify([...imported].map(mapId));
    db.prepare("DELETE FROM mission_alert_events WHERE status = 'pending' AND mission_id IN (SELECT value FROM json_each(?))").run(newIds);
    const copy = (key: string, table: string, counter: keyof typeof counts, missionCol = 'mission_id') => {
      const tcols = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
      for (const e of arr(bundle, key)) {
        if (!imported.has(e[missionCol] as string)) continue;
        const row: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(e)) if (tcols.has(k) && k !== 'id') row[k] = v;
        row[missionCol] = mapId(e[missionCol]);
        const keys = Object.keys(row);
        db.prepare(`INSERT OR IGNORE INTO ${table} (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`).run(row);
        counts[counter]++;
      }
    };
    copy('alert_events', 'mission_alert_events', 'imported_alert_events');
    copy('timeline_events', 'mission_events', 'imported_timeline_events');
    copy('watcher_events', 'mission_watcher_events', 'imported_watcher_events');
    db.prepare(
      "UPDATE mission_alert_events SET status = 'skipped', last_error = 'imported history' WHERE status = 'pending' AND mission_id IN (SELECT value FROM json_each(?))",
    ).run(newIds);
    copy('operator_decision_events', 'mission_decisions', 'imported_operator_decision_events');
    copy('writebacks', 'mission_writebacks', 'imported_writebacks');
  })();
  return { ok: true, ...counts, id_map: Object.fromEntries([...idMap].filter(([a, b]) => a !== b)) };
}
