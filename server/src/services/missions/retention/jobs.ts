// Compaction jobs (table mission_compactions, migration 46): one row per real (not dry-run) compaction, with its
// report so far committed at most every PROGRESS_MS while it runs, and the final report when it ends. The last
// compaction shown by `GET retention` is read from here, so it survives a restart.
import type { Db } from '../../../store/db';
import type { CompactionReport } from '../../../protocol/missionsObservability';

const PROGRESS_MS = 250;

export type CompactionState = 'running' | 'done' | 'failed' | 'interrupted';
export interface CompactionJob {
  job_id: number;
  actor: string;
  state: CompactionState;
  started_at: string;
  finished_at: string | null;
  report: CompactionReport;
  error: string | null;
}

interface Row {
  id: number;
  actor: string;
  state: CompactionState;
  started_at: string;
  finished_at: string | null;
  report_json: string;
  error: string | null;
}

const toJob = (r: Row): CompactionJob => ({
  job_id: r.id,
  actor: r.actor,
  state: r.state,
  started_at: r.started_at,
  finished_at: r.finished_at,
  report: JSON.parse(r.report_json) as CompactionReport,
  error: r.error,
});

/** The report as it stands mid-run: removed_total is summed here (the compactor sums it at the end). */
export const soFar = (r: CompactionReport): CompactionReport => ({
  ...r,
  removed_total: r.removed_events_ttl + r.removed_events_cap + r.removed_watcher_events + r.removed_alert_events,
});

export function compactionJobs(db: Db) {
  return {
    start(actor: string, report: CompactionReport): number {
      return Number(
        db
          .prepare(`INSERT INTO mission_compactions (actor, state, started_at, report_json) VALUES (?, 'running', ?, ?)`)
          .run(actor, report.started_at, JSON.stringify(report)).lastInsertRowid,
      );
    },
    /** A progress recorder that commits at most every PROGRESS_MS (the last call always wins at finish). */
    progress(id: number, onSaved?: (report: CompactionReport) => void): (report: CompactionReport) => void {
      let last = 0;
      const save = db.prepare(`UPDATE mission_compactions SET report_json = ? WHERE id = ? AND state = 'running'`);
      return (report) => {
        const now = performance.now();
        if (now - last < PROGRESS_MS) return;
        last = now;
        const r = soFar(report);
        save.run(JSON.stringify(r), id);
        onSaved?.(r);
      };
    },
    finish(id: number, state: 'done' | 'failed', report: CompactionReport, error: string | null = null): void {
      db.prepare(`UPDATE mission_compactions SET state = ?, finished_at = ?, report_json = ?, error = ? WHERE id = ?`).run(
        state,
        new Date().toISOString(),
        JSON.stringify(soFar(report)),
        error,
        id,
      );
    },
    get(id: number): CompactionJob | null {
      const r = db.prepare('SELECT * FROM mission_compactions WHERE id = ?').get(id) as Row | undefined;
      return r ? toJob(r) : null;
    },
    running(): CompactionJob | null {
      const r = db.prepare(`SELECT * FROM mission_compactions WHERE state = 'running' ORDER BY id DESC LIMIT 1`).get() as Row | undefined;
      return r ? toJob(r) : null;
    },
    lastFinished(): CompactionJob | null {
      const r = db.prepare(`SELECT * FROM mission_compactions WHERE state <> 'running' ORDER BY id DESC LIMIT 1`).get() as Row | undefined;
      return r ? toJob(r) : null;
    },
    /** At start: compactions a kill cut short. Their removals are committed; the next compaction continues them. */
    markInterrupted(): number {
      return db
        .prepare(
          `UPDATE mission_compactions SET state = 'interrupted', finished_at = ?, error = 'The server stopped during this compaction; what it removed stays removed, and the next compaction goes on from there.' WHERE state = 'running'`,
        )
        .run(new Date().toISOString()).changes;
    },
  };
}
