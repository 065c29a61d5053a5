// The REST export (`GET /api/integrations/export`) as a stream: the same mission-export-v1 bundle as
// exportMissions, written a page of rows at a time so 10k missions never become one giant string or one giant
// array of row objects. The bundle is written in its canonical form (keys sorted, no whitespace) — which is what
// the signature covers — so the HMAC is computed over the very bytes as they go out, and `signature` is appended
// last. Pages are read with synchronous `.all()` calls between awaits (an open better-sqlite3 iterator would hold
// the connection busy for every other request while the client reads).
import { createHmac, type Hmac } from 'node:crypto';
import type { ServerContext } from '../../../context';
import type { ExportFilters } from '../../../protocol/missionsExchange';
import { canonicalJson } from '../snapshot';
import { snapshotContent } from '../loop';
import type { MissionRow } from '../store';
import { filterSql, SCHEMA_VERSION, signingKey } from './index';

const PAGE = 500;

/** The bundle's per-mission tables, by their bundle key (sorted with the other keys when written). */
const TABLES: Record<string, string> = {
  alert_events: 'mission_alert_events',
  operator_decision_events: 'mission_decisions',
  timeline_events: 'mission_events',
  watcher_events: 'mission_watcher_events',
  writebacks: 'mission_writebacks',
};

export async function* exportStream(ctx: ServerContext, f: ExportFilters): AsyncGenerator<string> {
  const db = ctx.db;
  const { where, args } = filterSql(f);
  const signed = ctx.config['missions.signExports'];
  const hmac: Hmac | null = signed ? createHmac('sha256', signingKey(ctx)) : null;
  const out = (s: string) => (hmac?.update(s), s);
  // The selected ids, once, in the bundle's run order (lineage depth, creation, id). Rows are then read a page of
  // ids at a time by primary key. (Paging the sorted query with OFFSET re-read and re-sorted every selected
  // mission row for every page: quadratic, most of a 10k-mission export.)
  const ids = db.prepare(`SELECT id FROM missions ${where} ORDER BY lineage_depth, created_at, id`).pluck().all(args) as string[];
  const idsJson = JSON.stringify([...ids].sort());

  const runsById = db.prepare('SELECT * FROM missions WHERE id IN (SELECT value FROM json_each(?))');
  async function* runs(): AsyncGenerator<string> {
    for (let offset = 0; offset < ids.length; offset += PAGE) {
      const page = ids.slice(offset, offset + PAGE);
      const byId = new Map((runsById.all(JSON.stringify(page)) as MissionRow[]).map((r) => [r.id, r]));
      yield out((offset ? ',' : '') + page.map((id) => canonicalJson(byId.get(id))).join(','));
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  async function* snapshots(): AsyncGenerator<string> {
    const sorted = [...ids].sort(); // an object: canonical JSON sorts its keys
    for (let i = 0; i < sorted.length; i += PAGE) {
      const page = sorted.slice(i, i + PAGE);
      // A page of rows in one statement (not one point query per mission).
      const byId = new Map((runsById.all(JSON.stringify(page)) as MissionRow[]).map((r) => [r.id, r]));
      const parts = page.map((id) => {
        const r = byId.get(id)!;
        return `${JSON.stringify(id)}:${canonicalJson({ ...snapshotContent(r), snapshot_hash: r.snapshot_hash })}`;
      });
      yield out((i ? ',' : '') + parts.join(','));
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  async function* rowsOf(table: string): AsyncGenerator<string> {
    // The rows' ids once, through the (mission_id, ...) index, sorted here; then a page of rows at a time by primary
    // key. (Paging `mission_id IN (all ids) AND id > @after ORDER BY id` parsed the whole id list and searched the
    // index again for every page: most of a 10k-mission export.)
    const rowIds = (db.prepare(`SELECT id FROM ${table} WHERE mission_id IN (SELECT value FROM json_each(?))`).pluck().all(idsJson) as number[]).sort(
      (a, b) => a - b,
    );
    const byIds = db.prepare(`SELECT * FROM ${table} WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`);
    let first = true;
    for (let i = 0; i < rowIds.length; i += PAGE) {
      const rows = byIds.all(JSON.stringify(rowIds.slice(i, i + PAGE))) as Record<string, unknown>[];
      if (rows.length === 0) continue; // (removed since the ids were read)
      yield out((first ? '' : ',') + rows.map(canonicalJson).join(','));
      first = false;
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  // Keys in sorted order (canonical JSON): alert_events, exported_at, filters, mission_patterns,
  // operator_decision_events, runs, schema_version, signed, snapshots, timeline_events, watcher_events, writebacks.
  const key = (k: string, first = false) => out(`${first ? '{' : ','}${JSON.stringify(k)}:`);
  yield key('alert_events', true) + out('[');
  yield* rowsOf(TABLES.alert_events!);
  yield out(']') + key('exported_at') + out(JSON.stringify(new Date().toISOString()));
  yield key('filters') + out(canonicalJson(f));
  yield key('mission_patterns') + out('[]');
  yield key('operator_decision_events') + out('[');
  yield* rowsOf(TABLES.operator_decision_events!);
  yield out(']') + key('runs') + out('[');
  yield* runs();
  yield out(']') + key('schema_version') + out(JSON.stringify(SCHEMA_VERSION));
  yield key('signed') + out(JSON.stringify(signed));
  yield key('snapshots') + out('{');
  yield* snapshots();
  yield out('}') + key('timeline_events') + out('[');
  yield* rowsOf(TABLES.timeline_events!);
  yield out(']') + key('watcher_events') + out('[');
  yield* rowsOf(TABLES.watcher_events!);
  yield out(']') + key('writebacks') + out('[');
  yield* rowsOf(TABLES.writebacks!);
  yield out(']');
  // The signature covers the canonical bundle without it — closed by its brace — and is written last.
  if (hmac) yield `,"signature":${JSON.stringify(hmac.update('}').digest('hex'))}}`;
  else yield '}';
}
