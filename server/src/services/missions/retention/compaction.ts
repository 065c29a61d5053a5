// Mission event compaction (brief phase F). Two rules, both applied:
//  - TTL: timeline events older than missions.eventsTtlDays are removed, and so are watcher and alert-delivery
//    log rows;
//  - per-run cap: a mission keeps at most missions.eventsMaxPerRun timeline events — the oldest removable ones go
//    first, however recent (the earlier product skipped recent events, so a chatty mission grew without bound).
// Important types (KEPT_EVENT_TYPES: what happened to the mission, its launch, state changes, writebacks) are
// never removed by either rule. Work runs in short transactions (each stops after a few ms or a batch of rows)
// with an event-loop turn between them, so a request never waits more than one batch behind the compactor.
import type { Db } from '../../../store/db';
import type { CompactionReport } from '../../../protocol/missionsObservability';

export const KEPT_EVENT_TYPES = [
  'prepared',
  'content_updated',
  'launch_requested',
  'dry_run_recorded',
  'launched',
  'launch_failed',
  'state_changed',
  'writeback_succeeded',
  'writeback_failed',
] as const;
/** Every other timeline type may be compacted (job chatter, refresh errors, score and watch changes). */
export const REMOVABLE_EVENT_TYPES = [
  'job_event',
  'outcome_updated',
  'artifacts_updated',
  'refresh_failed',
  'error_cleared',
  'watch_started',
  'watch_stopped',
  'writeback_pending',
  'writeback_skipped',
  'score_changed',
] as const;

export interface CompactionPolicy {
  ttlDays: number;
  maxPerRun: number;
}

export interface CompactionOptions {
  dryRun: boolean;
  /** Fixed rows per delete statement (default: adaptive, starting at 100, so one delete stays within half a slice). */
  batch?: number;
  /** A transaction stops taking new batches after this many ms (default 8). */
  sliceMs?: number;
  now?: Date;
  /** Called after every committed transaction with the report so far (the job records and streams it). */
  onProgress?: (report: CompactionReport) => void;
}

const KEPT_SQL = KEPT_EVENT_TYPES.map((t) => `'${t}'`).join(', ');
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

function makeStatements(db: Db) {
  const hasAlerts = (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mission_alert_events'").get() ?? null) !== null;
  return {
    ttlIds: db.prepare('SELECT id FROM mission_events WHERE type = ? AND created_at < ? ORDER BY created_at LIMIT ?').pluck(),
    ttlCount: db.prepare('SELECT count(*) FROM mission_events WHERE type = ? AND created_at < ?').pluck(),
    deleteIds: db.prepare('DELETE FROM mission_events WHERE id IN (SELECT value FROM json_each(?))'),
    // Missions in id order with their event count, a page at a time (walks the (mission_id, id) index).
    runCounts: db.prepare(
      `SELECT mission_id AS id, count(*) AS n FROM mission_events WHERE mission_id > ? GROUP BY mission_id ORDER BY mission_id LIMIT ?`,
    ),
    // The oldest removable events of one mission (events the TTL step already removed are gone by now).
    // (A dry run leaves TTL victims in place: both skip and count them so dry and real runs agree.)
    oldestRemovable: db.prepare(
      `SELECT id, type FROM mission_events WHERE mission_id = ? AND type NOT IN (${KEPT_SQL}) AND created_at >= ? ORDER BY id LIMIT ?`,
    ),
    ttlOfRun: db.prepare(`SELECT count(*) FROM mission_events WHERE mission_id = ? AND type NOT IN (${KEPT_SQL}) AND created_at < ?`).pluck(),
    watcherIds: db.prepare('SELECT id FROM mission_watcher_events WHERE created_at < ? ORDER BY created_at LIMIT ?').pluck(),
    watcherCount: db.prepare('SELECT count(*) FROM mission_watcher_events WHERE created_at < ?').pluck(),
    deleteWatcher: db.prepare('DELETE FROM mission_watcher_events WHERE id IN (SELECT value FROM json_each(?))'),
    alertIds: hasAlerts
      ? db
          .prepare(
            "SELECT id FROM mission_alert_events WHERE created_at < ? AND status IN ('delivered', 'failed', 'skipped') ORDER BY created_at LIMIT ?",
          )
          .pluck()
      : null,
    alertCount: hasAlerts
      ? db.prepare("SELECT count(*) FROM mission_alert_events WHERE created_at < ? AND status IN ('delivered', 'failed', 'skipped')").pluck()
      : null,
    deleteAlerts: hasAlerts ? db.prepare('DELETE FROM mission_alert_events WHERE id IN (SELECT value FROM json_each(?))') : null,
  };
}

const stmtCache = new WeakMap<Db, ReturnType<typeof makeStatements>>();
function statements(db: Db) {
  let s = stmtCache.get(db);
  if (!s) stmtCache.set(db, (s = makeStatements(db)));
  return s;
}

/**
 * Compact (or, dry run, count what would be removed). Async: it yields to the event loop between transactions.
 * The per-run cap counts what the TTL step leaves, so a dry run and a real run agree.
 */
/** A report with nothing removed yet. */
export const emptyReport = (dryRun: boolean, startedAt: string, cutoff: string): CompactionReport => ({
  dry_run: dryRun,
  started_at: startedAt,
  finished_at: '',
  cutoff,
  removed_events_ttl: 0,
  removed_events_cap: 0,
  removed_watcher_events: 0,
  removed_alert_events: 0,
  removed_total: 0,
  removed_by_type: {},
  runs_over_cap: 0,
  transactions: 0,
  longest_transaction_ms: 0,
  duration_ms: 0,
});

export async function compactMissionEvents(db: Db, policy: CompactionPolicy, opts: CompactionOptions): Promise<CompactionReport> {
  const s = statements(db);
  let batch = opts.batch ?? 100;
  /** Size batches to the machine: a delete that took longer than half a slice shrinks the next one (and back). */
  const adapt = (rows: number, ms: number) => {
    if (opts.batch || rows < batch) return;
    // Grow at most twofold a step: a delete's cost is not linear in its rows (cold pages), and one oversized
    // batch is one stalled request.
    batch = Math.max(10, Math.min(2000, batch * 2, Math.floor((batch * sliceMs) / 2 / Math.max(ms, 0.01))));
  };
  const sliceMs = opts.sliceMs ?? 8;
  const now = opts.now ?? new Date();
  const started = performance.now();
  const cutoff = new Date(now.getTime() - policy.ttlDays * 86_400_000).toISOString();
  const report = emptyReport(opts.dryRun, now.toISOString(), cutoff);
  const trimmed = new Set<string>();
  const addType = (t: string, n: number) => {
    if (n > 0) report.removed_by_type[t] = (report.removed_by_type[t] ?? 0) + n;
  };
  /** Run fn in one transaction, timed; fn returns whether there is more to do. */
  const step = async (fn: () => boolean): Promise<boolean> => {
    const t0 = performance.now();
    const more = db.transaction(fn)();
    const ms = performance.now() - t0;
    report.transactions++;
    report.longest_transaction_ms = Math.max(report.longest_transaction_ms, Math.round(ms * 100) / 100);
    opts.onProgress?.(report);
    await yieldToLoop();
    return more;
  };

  // 1. TTL, per removable type (the (type, created_at) index finds them without a scan).
  for (const type of REMOVABLE_EVENT_TYPES) {
    if (opts.dryRun) {
      const n = s.ttlCount.get(type, cutoff) as number;
      report.removed_events_ttl += n;
      addType(type, n);
      continue;
    }
    let more = true;
    while (more) {
      more = await step(() => {
        const t0 = performance.now();
        while (performance.now() - t0 < sliceMs) {
          const want = batch;
          const tb = performance.now();
          const ids = s.ttlIds.all(type, cutoff, want) as number[];
          if (ids.length) s.deleteIds.run(JSON.stringify(ids));
          adapt(ids.length, performance.now() - tb);
          report.removed_events_ttl += ids.length;
          addType(type, ids.length);
          if (ids.length < want) return false;
        }
        return true;
      });
    }
  }

  // 2. Per-run cap: page through missions by id; trim each one over the cap, oldest removable events first. The
  // time check runs per mission and one mission's trim is split into batches, so no transaction grows with the
  // data (a mission with 100k chatty events is trimmed over many turns).
  let after = '';
  const page = 50;
  let done = false;
  while (!done) {
    await step(() => {
      const t0 = performance.now();
      for (;;) {
        const rows = s.runCounts.all(after, page) as { id: string; n: number }[];
        for (const r of rows) {
          if (performance.now() - t0 >= sliceMs) return true;
          if (r.n > policy.maxPerRun) {
            const left = opts.dryRun ? r.n - (s.ttlOfRun.get(r.id, cutoff) as number) : r.n;
            if (left > policy.maxPerRun) {
              const want = left - policy.maxPerRun;
              // A dry run cannot delete a batch and come back: it counts the whole excess at once (reads only).
              const size = batch;
              const victims = s.oldestRemovable.all(r.id, cutoff, opts.dryRun ? want : Math.min(want, size)) as { id: number; type: string }[];
              if (victims.length) {
                if (!trimmed.has(r.id)) {
                  trimmed.add(r.id);
                  report.runs_over_cap++;
                }
                report.removed_events_cap += victims.length;
                for (const v of victims) addType(v.type, 1);
                if (!opts.dryRun) {
                  const tb = performance.now();
                  s.deleteIds.run(JSON.stringify(victims.map((v) => v.id)));
                  adapt(victims.length, performance.now() - tb);
                }
                if (!opts.dryRun && victims.length === size && want > size) return true; // same mission again next turn
              }
            }
          }
          after = r.id;
        }
        if (rows.length < page) {
          done = true;
          return false;
        }
      }
    });
  }

  // 3. The watcher log and delivered / failed alert rows past the TTL.
  const logs: [typeof s.watcherIds, typeof s.watcherCount, typeof s.deleteWatcher, 'removed_watcher_events' | 'removed_alert_events'][] = [
    [s.watcherIds, s.watcherCount, s.deleteWatcher, 'removed_watcher_events'],
  ];
  if (s.alertIds && s.alertCount && s.deleteAlerts) logs.push([s.alertIds, s.alertCount, s.deleteAlerts, 'removed_alert_events']);
  for (const [ids, count, del, field] of logs) {
    if (opts.dryRun) {
      report[field] += count.get(cutoff) as number;
      continue;
    }
    let more = true;
    while (more) {
      more = await step(() => {
        const want = batch;
        const tb = performance.now();
        const found = ids.all(cutoff, want) as number[];
        if (found.length) del.run(JSON.stringify(found));
        adapt(found.length, performance.now() - tb);
        report[field] += found.length;
        return found.length === want;
      });
    }
  }

  report.removed_total = report.removed_events_ttl + report.removed_events_cap + report.removed_watcher_events + report.removed_alert_events;
  report.duration_ms = Math.round(performance.now() - started);
  report.finished_at = new Date().toISOString();
  return report;
}
