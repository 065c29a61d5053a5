// Import of a mission-export-v1 bundle into a database, in one transaction: additive (existing missions with the
// same snapshot are kept as they are, so a re-import changes nothing), ids that collide with a different mission
// are remapped and the remap is applied to parent / root ids of every imported mission, so lineage stays
// consistent. Takes a bare database and options (no server context): the REST import runs it in a worker thread.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../../store/db';
import { AppError } from '../../../protocol/errors';
import { holdWhile } from '../../../store/immediate';
import { verifyBundle } from './signature';
import { suspendMissionAggregates, suspendMissionIndexes } from './bulkAggregates';

export const SCHEMA_VERSION = 'mission-export-v1';
const bad = (field: string, message: string) => new AppError('bad_request', `Invalid bundle: ${field}: ${message}`, [{ path: field, message }]);

const arr = (b: Record<string, unknown>, k: string): Record<string, unknown>[] => {
  const v = b[k] ?? [];
  if (!Array.isArray(v) || v.some((x) => x === null || typeof x !== 'object' || Array.isArray(x))) throw bad(k, 'expected an array of objects');
  return v as Record<string, unknown>[];
};

export interface ImportOptions {
  /** Signatures required (AGENTORA_MISSIONS_SIGN_EXPORTS). */
  requireSignature: boolean;
  /** The signing key (read only when a signature is to be checked). */
  key: () => string;
  /**
   * The server connection's write gate, when the import runs on a connection of its own (the REST import's
   * worker): the gate's flag is up while the transaction runs, so a server call that may write awaits its turn
   * off the event loop instead of sleeping in SQLite's busy handler on it (store/immediate.ts).
   */
  gate?: SharedArrayBuffer;
}

export function importBundle(db: Db, bundle: Record<string, unknown>, opts: ImportOptions) {
  if (bundle.schema_version !== SCHEMA_VERSION) throw bad('schema_version', `expected "${SCHEMA_VERSION}"`);
  const requireSig = opts.requireSignature;
  if (bundle.signed === true || bundle.signature !== undefined || requireSig) {
    if (bundle.signature === undefined) throw bad('signature', 'missing: signed bundles are required (AGENTORA_MISSIONS_SIGN_EXPORTS)');
    if (!verifyBundle(bundle, opts.key())) throw bad('signature', 'does not match the bundle (changed after export, or signed with another key)');
  }
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
  // History rows (events, alerts, decisions...) go in a chunk at a time: one INSERT ... SELECT over json_each of the
  // chunk's rows. Per-row statements each opened a statement journal (the tables have triggers): a third of a
  // 10k-mission import. A chunk holds consecutive rows with the same column list (rows of one table almost always
  // share it), so a column a row leaves out still takes its default, as with a row-by-row INSERT.
  const statements = new Map<string, ReturnType<Db['prepare']>>();
  const CHUNK = 500;
  let pending: { verb: string; table: string; keys: string[]; id: string; rows: Record<string, unknown>[] } | null = null;
  const flush = () => {
    if (!pending) return;
    const { verb, table, keys, rows } = pending;
    pending = null;
    const text = `${verb} INTO ${table} (${keys.join(', ')}) SELECT ${keys.map((k) => `value ->> '$."${k}"'`).join(', ')} FROM json_each(?)`;
    let st = statements.get(text);
    if (!st) statements.set(text, (st = db.prepare(text)));
    st.run(JSON.stringify(rows));
  };
  /** One row now (missions: their many indexes, not the statement journal, are the cost; binding beats ->> here). */
  const insertNow = (table: string, row: Record<string, unknown>, where: string) => {
    const keys = Object.keys(row);
    for (const k of keys) {
      const v = row[k];
      if (v !== null && typeof v !== 'string' && typeof v !== 'number') throw bad(`${where}.${k}`, 'expected text, a number or null');
    }
    const text = `INSERT INTO ${table} (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`;
    let st = statements.get(text);
    if (!st) statements.set(text, (st = db.prepare(text)));
    st.run(row);
  };
  /** Queue one row (validated: text, numbers and null only, as SQLite would bind them) for its table's next chunk. */
  const insert = (verb: string, table: string, row: Record<string, unknown>, where: string) => {
    const keys = Object.keys(row);
    for (const k of keys) {
      const v = row[k];
      if (v !== null && typeof v !== 'string' && typeof v !== 'number') throw bad(`${where}.${k}`, 'expected text, a number or null');
      if (typeof v === 'number' && !Number.isFinite(v)) throw bad(`${where}.${k}`, 'expected a finite number');
    }
    const id = `${verb} ${table} ${keys.join(',')}`;
    if (pending && (pending.id !== id || pending.rows.length >= CHUNK)) flush();
    if (!pending) pending = { verb, table, keys, id, rows: [] };
    pending.rows.push(row);
  };

  const importAll = db.transaction(() => {
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
    // The analytics cubes get the new missions in one statement each, not a trigger per row (bulkAggregates.ts).
    // (Only when there is something to add: a re-import that skips every mission leaves the triggers alone.)
    const aggregates = fresh.length ? suspendMissionAggregates(db) : null;
    // Into an empty (or small) database, the secondary indexes are built once at the end (bulkAggregates.ts).
    const indexes = suspendMissionIndexes(db, fresh.length);
    const at = new Map(runs.map((r, i) => [r, i])); // (for error paths: fresh is sorted by depth)
    fresh.forEach((r) => {
      const row: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) if (cols.has(k) && k !== 'rowid') row[k] = v;
      row.id = mapId(r.id);
      row.root_mission_id = mapId(r.root_mission_id);
      row.updated_at = row.updated_at ?? row.created_at;
      const parent = mapId(r.parent_mission_id ?? null);
      // A parent that is neither here nor in the bundle: keep the lineage text in provenance, drop the link.
      row.parent_mission_id = parent && exists.get(parent) ? parent : null;
      insertNow('missions', row, `runs[${at.get(r)}]`);
      counts.imported_runs++;
    });
    indexes?.finish();
    const imported = new Set(fresh.map((r) => r.id as string));
    aggregates?.finish([...imported].map((id) => idMap.get(id) ?? id));
    // History is not news: the alerts the inserts above raised are replaced by the bundle's own alert records,
    // and whatever the timeline replay raises below is marked skipped, never sent.
    const newIds = JSON.stringify([...imported].map(mapId));
    db.prepare("DELETE FROM mission_alert_events WHERE status = 'pending' AND mission_id IN (SELECT value FROM json_each(?))").run(newIds);
    const copy = (key: string, table: string, counter: keyof typeof counts, missionCol = 'mission_id') => {
      const tcols = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
      arr(bundle, key).forEach((e, i) => {
        if (!imported.has(e[missionCol] as string)) return;
        const row: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(e)) if (tcols.has(k) && k !== 'id') row[k] = v;
        row[missionCol] = mapId(e[missionCol]);
        insert('INSERT OR IGNORE', table, row, `${key}[${i}]`);
        counts[counter]++;
      });
      flush();
    };
    copy('alert_events', 'mission_alert_events', 'imported_alert_events');
    copy('timeline_events', 'mission_events', 'imported_timeline_events');
    copy('watcher_events', 'mission_watcher_events', 'imported_watcher_events');
    db.prepare(
      "UPDATE mission_alert_events SET status = 'skipped', last_error = 'imported history' WHERE status = 'pending' AND mission_id IN (SELECT value FROM json_each(?))",
    ).run(newIds);
    copy('operator_decision_events', 'mission_decisions', 'imported_operator_decision_events');
    copy('writebacks', 'mission_writebacks', 'imported_writebacks');
  });
  holdWhile(opts.gate, () => importAll());
  return { ok: true, ...counts, id_map: Object.fromEntries([...idMap].filter(([a, b]) => a !== b)) };
}
