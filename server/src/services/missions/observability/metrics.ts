// `GET metrics` without scanning missions: counts come from mission_cube, monotonic counters from
// mission_counters (writeback and watcher-terminal counters are kept by triggers; refresh attempts and latency
// by recordRefresh, called from the refresh path), and the watched count from the partial index on `watched`.
import type { Db } from '../../../store/db';

function makeMetrics(db: Db) {
  const bump = db.prepare('INSERT INTO mission_counters (name, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = value + excluded.value');
  const set = db.prepare('INSERT INTO mission_counters (name, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value');
  const bumpRefreshCount = db.prepare('UPDATE missions SET refresh_count = refresh_count + 1 WHERE id = ?');
  const counters = db.prepare('SELECT name, value FROM mission_counters');
  const dim = (c: string) => db.prepare(`SELECT gval AS k, n FROM mission_cube WHERE fdim = '' AND fval = '' AND gdim = '${c}'`);
  const byStatus = dim('status');
  const byWriteback = dim('writeback_status');
  const byConfidence = dim('confidence_level');
  const totals = db.prepare(
    "SELECT total(n) AS n, total(score_sum) AS s FROM mission_cube WHERE fdim = '' AND fval = '' AND gdim = '' AND gval = ''",
  );
  const watched = db.prepare("SELECT count(*) AS n FROM missions WHERE watched = 1 AND status IN ('queued','running','blocked','unknown')");

  const recordRefresh = db.transaction((id: string, ok: boolean, ms: number) => {
    bump.run('refresh_attempts', 1);
    bump.run(ok ? 'refresh_successes' : 'refresh_failures', 1);
    bump.run('refresh_latency_total_ms', ms);
    set.run('last_refresh_latency_ms', ms);
    bumpRefreshCount.run(id);
  });

  return {
    /** One refresh reached AgentCeption (or failed to): counts it on the mission and in the metrics. */
    recordRefresh(id: string, ok: boolean, ms: number): void {
      recordRefresh(id, ok, Math.round(ms * 10) / 10);
    },
    read() {
      const c = Object.fromEntries((counters.all() as { name: string; value: number }[]).map((r) => [r.name, r.value]));
      const num = (k: string) => Math.round(c[k] ?? 0);
      const fold = (rows: unknown[]) => Object.fromEntries((rows as { k: string; n: number }[]).map((r) => [r.k, r.n]));
      const t = totals.get() as { n: number; s: number };
      const attempts = num('refresh_attempts');
      return {
        total: t.n,
        average_score: t.n ? Math.round((t.s / t.n) * 10) / 10 : null,
        watched_active: (watched.get() as { n: number }).n,
        by_status: fold(byStatus.all()),
        by_writeback_status: fold(byWriteback.all()),
        by_confidence_level: fold(byConfidence.all()),
        writebacks: Object.fromEntries(
          ['succeeded', 'failed', 'skipped'].filter((k) => c[`writebacks_${k}`]).map((k) => [k, num(`writebacks_${k}`)]),
        ),
        // The earlier product's metric names (wire-shapes.md).
        refresh_attempts: attempts,
        refresh_successes: num('refresh_successes'),
        refresh_failures: num('refresh_failures'),
        average_refresh_latency_ms: attempts ? Math.round(((c.refresh_latency_total_ms ?? 0) / attempts) * 10) / 10 : 0,
        last_refresh_latency_ms: c.last_refresh_latency_ms ?? 0,
        skipped_writebacks_debounce: num('skipped_writebacks_debounce'),
        skipped_writebacks_duplicate_hash: num('writebacks_skipped'),
        successful_writebacks: num('writebacks_succeeded'),
        failed_writebacks: num('writebacks_failed'),
        terminal_runs_completed_by_watcher: num('terminal_runs_completed_by_watcher'),
      };
    },
    bump(name: string, by = 1): void {
      bump.run(name, by);
    },
  };
}

const cache = new WeakMap<Db, ReturnType<typeof makeMetrics>>();
export function missionMetrics(db: Db): ReturnType<typeof makeMetrics> {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = makeMetrics(db)));
  return m;
}
