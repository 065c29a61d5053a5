// Retention of the runs' live-event logs (liveLog.ts): the log exists so a stream that connects late or reconnects
// replays what it missed. Once a run has ended and `teams.liveLogRetentionMinutes` have passed, nobody needs that
// replay (the trace, messages and report keep the run's history), so a sweep deletes the log — at server start
// and then periodically. Only runs that still have a log are looked at, so the sweep stays small at 100k runs.
import type { Db } from '../../store/db';
import type { ServerContext } from '../../context';
import { liveLog } from './liveLog';

const ENDED = ['completed', 'stopped', 'failed', 'cancelled', 'interrupted'];

/** Delete the live log of every run that ended at or before `cutoff` (ISO time); the number of rows deleted. */
export function pruneLiveLogs(db: Db, cutoff: string): number {
  liveLog(db).flush();
  return db
    .prepare<string[]>(
      `DELETE FROM run_live_events WHERE run_id IN (
         SELECT r.id FROM runs r WHERE r.id IN (SELECT DISTINCT run_id FROM run_live_events)
           AND r.status IN (${ENDED.map(() => '?').join(', ')}) AND r.finished_at IS NOT NULL AND r.finished_at <= ?)`,
    )
    .run(...ENDED, cutoff).changes;
}

const SWEEP_MAX_MS = 10 * 60_000;

/** Sweep now and then every min(retention, 10 min); returns the stop function. */
export function startLiveLogSweeper(ctx: ServerContext): () => void {
  const minutes = Number(ctx.config['teams.liveLogRetentionMinutes']);
  const sweep = () => {
    try {
      pruneLiveLogs(ctx.db, new Date(Date.now() - minutes * 60_000).toISOString());
    } catch (err) {
      ctx.log.warn(`teams: pruning run live logs failed: ${(err as Error).message}`);
    }
  };
  sweep();
  const timer = setInterval(sweep, Math.max(1000, Math.min(SWEEP_MAX_MS, minutes * 60_000)));
  timer.unref();
  return () => clearInterval(timer);
}
