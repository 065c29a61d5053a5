// Mission event compaction (brief phase F). Two rules, both applied:
//  - TTL: timeline events older than missions.eventsTtlDays are removed, and so are watcher and alert-delivery
//    log rows;
//  - per-run cap: a mission keeps at most missions.eventsMaxPerRun timeline events — the oldest removable ones go
//    first, however recent (the earlier product skipped recent events, so a chatty mission grew without bound).
// Important types (KEPT_EVENT_TYPES: what happened to the mission, its launch, state changes, writebacks) are
// never removed by either rule. Work runs in short transactions with an event-loop turn between them, so a request
// never waits more than one short transaction behind the compactor. Each transaction removes ONE batch: its
// COMMIT (writing every page the batch dirtied to the WAL) costs about as much as the DELETE itself, so the batch
// size adapts to the whole transaction's time, commit included, aiming at targetMs.
// Every so often (once the checkpoint thread saw a big WAL) it pauses for a checkpoint pass, so that the WAL is
// copied whole and started over (store/checkpointer.ts walSettler): without that pause the WAL is never all
// copied while the compactor writes, and grew by every page it wrote (2.5 GB for 500k events), each commit
// appending fresh pages, with slow writes and stalls to match.
import type { Db } from '../../../store/db';
import { walSettler } from '../../../store/checkpointer';
import { holdWhile, waitForGate } from '../../../store/immediate';
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
  /** Fixed rows per transaction (default: adaptive, starting at 50, aiming at targetMs per transaction). */
  batch?: number;
  /** The time one transaction aims at, commit included (default 2.5 ms: a writer on the server waits for at most
   * one transaction, and one that meets a stall of the disk or the scheduler grows by that stall, not by its size). */
  targetMs?: number;
  now?: Date;
  /** Called after every committed transaction with the report so far (the job records and streams it). */
  onProgress?: (report: CompactionReport) => void;
  /** Pause for a WAL checkpoint and restart once a checkpoint pass saw this many WAL frames (default SETTLE_FRAMES; 0: after every transaction). */
  settleFrames?: number;
  /** The pause itself, when the compactor runs on another connection than the checkpointer's (compactionThread.ts). */
  settle?: () => Promise<boolean>;
  /** The server connection's write announcements (store/immediate.ts writeGate), when the compactor runs in a thread: it
   * begins no transaction while the server waits to write. */
  gate?: SharedArrayBuffer;
  /** Diagnostics: every transaction's phase, length and rows removed, and each pause that restarted the WAL (phase 'wal-restart'). */
  trace?: { phase: string; ms: number; rows: number }[];
}

const KEPT_SQL = KEPT_EVENT_TYPES.map((t) => `'${t}'`).join(', ');
const REMOVABLE_SQL = REMOVABLE_EVENT_TYPES.map((t) => `'${t}'`).join(', ');
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

function makeStatements(db: Db) {
  const hasAlerts = (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mission_alert_events'").get() ?? null) !== null;
  return {
    // The TTL's victims in one window of ids, read along the rowid (NOT INDEXED: never the type index and a sort).
    ttlWindow: db.prepare(
      `SELECT id, type FROM mission_events NOT INDEXED WHERE id > ? AND id <= ? AND created_at < ? AND type IN (${REMOVABLE_SQL})`,
    ),
    maxEventId: db.prepare('SELECT max(id) FROM mission_events').pluck(),
    // After an empty window: the next victim, along the type index (cheap when victims are few, which is when
    // windows come back empty).
    nextVictim: db.prepare(`SELECT min(id) FROM mission_events WHERE type IN (${REMOVABLE_SQL}) AND created_at < ? AND id > ?`).pluck(),
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

const BUSY = Symbol('busy');
const busyTimeouts = new WeakMap<Db, number>();
/**
 * Run fn in a write (IMMEDIATE) transaction if the write lock is free now; BUSY when another connection holds it.
 * Only the BEGIN goes without waiting: once the lock is held, the connection's busy timeout applies again.
 * (PRAGMA busy_timeout acts when it is compiled, so it cannot be a prepared statement run later.)
 */
function writeIfFree<T>(db: Db, fn: () => T): T | typeof BUSY {
  let timeout = busyTimeouts.get(db);
  if (timeout === undefined) busyTimeouts.set(db, (timeout = Number(db.pragma('busy_timeout', { simple: true }))));
  let began = false;
  db.pragma('busy_timeout = 0');
  try {
    return db
      .transaction(() => {
        began = true;
        db.pragma(`busy_timeout = ${timeout}`);
        return fn();
      })
      .immediate();
  } catch (err) {
    if (!began && (err as { code?: string }).code === 'SQLITE_BUSY') return BUSY;
    throw err;
  } finally {
    if (!began) db.pragma(`busy_timeout = ${timeout}`);
  }
}

const stmtCache = new WeakMap<Db, ReturnType<typeof makeStatements>>();
function statements(db: Db) {
  let s = stmtCache.get(db);
  if (!s) stmtCache.set(db, (s = makeStatements(db)));
  return s;
}

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

/**
 * Compact (or, dry run, count what would be removed). Async: it yields to the event loop between transactions.
 * The per-run cap counts what the TTL step leaves, so a dry run and a real run agree.
 */
export async function compactMissionEvents(db: Db, policy: CompactionPolicy, opts: CompactionOptions): Promise<CompactionReport> {
  const s = statements(db);
  const targetMs = opts.targetMs ?? 2.5;
  /** Ids the last TTL window covered: its work is the window, not the victims it held. */
  let windowIds: number | null = null;
  let batch = opts.batch ?? 50;
  /**
   * Size the next batch from the last full one's whole transaction (select, delete, commit): proportional to the
   * target, growing at most twofold a step (a delete's cost is not linear in its rows: cold pages), shrinking at
   * once after a slow one.
   */
  const adapt = (rows: number, ms: number) => {
    if (opts.batch || rows === 0 || rows < batch) return;
    batch = Math.max(10, Math.min(2000, batch * 2, Math.floor((batch * targetMs) / Math.max(ms, 0.01))));
  };
  const now = opts.now ?? new Date();
  const settle = opts.settle ?? walSettler(db, opts.settleFrames);
  const started = performance.now();
  const cutoff = new Date(now.getTime() - policy.ttlDays * 86_400_000).toISOString();
  const report = emptyReport(opts.dryRun, now.toISOString(), cutoff);
  const trimmed = new Set<string>();
  const addType = (t: string, n: number) => {
    if (n > 0) report.removed_by_type[t] = (report.removed_by_type[t] ?? 0) + n;
  };
  const removed = () => report.removed_events_ttl + report.removed_events_cap + report.removed_watcher_events + report.removed_alert_events;
  /** Run fn in one transaction, timed (commit included); fn returns whether there is more to do. */
  const step = async (fn: () => boolean, phase: string): Promise<boolean> => {
    const before = removed();
    let more: boolean;
    let t0 = performance.now();
    for (;;) {
      // A dry run only reads: a snapshot, without the write lock.
      if (!opts.dryRun && opts.gate) {
        waitForGate(opts.gate);
        t0 = performance.now();
      }
      const r = opts.dryRun ? db.transaction(fn).deferred() : holdWhile(opts.gate, () => writeIfFree(db, fn));
      if (r !== BUSY) {
        more = r;
        break;
      }
      // Another connection writes (the checkpoint thread starting the WAL over, an import): come back shortly
      // rather than sleep in SQLite's busy handler, which would hold the event loop.
      opts.trace?.push({ phase: 'busy', ms: performance.now() - t0, rows: 0 });
      await new Promise((r) => setTimeout(r, 2));
      t0 = performance.now();
    }
    const ms = performance.now() - t0;
    const rows = removed() - before;
    if (!opts.dryRun) adapt(windowIds ?? rows, ms);
    windowIds = null;
    report.transactions++;
    report.longest_transaction_ms = Math.max(report.longest_transaction_ms, Math.round(ms * 100) / 100);
    opts.trace?.push({ phase, ms, rows });
    opts.onProgress?.(report);
    await yieldToLoop();
    if (!opts.dryRun) {
      const s0 = performance.now();
      if (await settle()) opts.trace?.push({ phase: 'wal-restart', ms: performance.now() - s0, rows: 0 });
    }
    return more;
  };

  // 1. TTL. A dry run counts per type along the (type, created_at) index. A real run removes the victims in id
  // order, a window of ids per transaction: each table page is rewritten by about one transaction (and so is each
  // page of an index whose order follows the ids: (type, created_at) when events arrive in time order), not by
  // every transaction that removes one of its rows. Removing them in created_at order per type dirtied a few
  // hundred scattered pages per 5 ms transaction: about 20 kB written per removed event, 4–6 GB for 287k, and the
  // kernel throttled the writes now and then.
  if (opts.dryRun) {
    for (const type of REMOVABLE_EVENT_TYPES) {
      const n = s.ttlCount.get(type, cutoff) as number;
      report.removed_events_ttl += n;
      addType(type, n);
    }
  } else {
    const last = (s.maxEventId.get() as number | null) ?? 0; // later events are newer than the cutoff
    let from = 0;
    while (from < last) {
      await step(() => {
        // The window is sized like a batch (it holds at most `batch` ids, so at most `batch` victims).
        const to = Math.min(from + batch, last);
        const victims = s.ttlWindow.all(from, to, cutoff) as { id: number; type: string }[];
        if (victims.length) s.deleteIds.run(JSON.stringify(victims.map((v) => v.id)));
        report.removed_events_ttl += victims.length;
        for (const v of victims) addType(v.type, 1);
        windowIds = to - from;
        from = to;
        if (!victims.length && from < last) from = Math.max(from, ((s.nextVictim.get(cutoff, from) as number | null) ?? last + 1) - 1);
        return from < last;
      }, 'ttl');
    }
  }

  // 2. Per-run cap: page through missions by id; trim each one over the cap, oldest removable events first. A
  // transaction reads missions for at most half the target and ends after its one delete (a mission with 100k
  // chatty events is trimmed a batch per turn), so no transaction grows with the data.
  let after = '';
  const page = 50;
  let done = false;
  while (!done) {
    await step(() => {
      const t0 = performance.now();
      let first = true; // (the first mission is always taken: a slow read must not stall the walk)
      for (;;) {
        const rows = s.runCounts.all(after, page) as { id: string; n: number }[];
        for (const r of rows) {
          if (!first && performance.now() - t0 >= targetMs / 2) return true;
          first = false;
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
                  s.deleteIds.run(JSON.stringify(victims.map((v) => v.id)));
                  if (victims.length === size && want > size) return true; // the same mission again next turn
                  after = r.id;
                  return true; // one delete per transaction
                }
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
    }, 'cap');
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
        const found = ids.all(cutoff, want) as number[];
        if (found.length) del.run(JSON.stringify(found));
        report[field] += found.length;
        return found.length === want;
      }, field);
    }
  }

  report.removed_total = report.removed_events_ttl + report.removed_events_cap + report.removed_watcher_events + report.removed_alert_events;
  report.duration_ms = Math.round(performance.now() - started);
  report.finished_at = new Date().toISOString();
  return report;
}
