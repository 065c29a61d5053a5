// The background watcher: every missions.watcherIntervalSeconds it refreshes the watched, unfinished missions
// (at most missions.watcherMaxActiveRuns at once), then writes pending outcomes back (debounced by
// missions.writebackDebounceSeconds). Cycles never overlap (the next is scheduled when one ends), all upstream
// I/O is async and every database step is one small transaction, so requests are never blocked. Everything it
// needs to resume (watched flags, event cursors, pending writebacks, debounce times) is in SQLite, so it picks up
// after a restart where it left off.
import type { ServerContext } from '../../context';
import { describeError, getRow, refreshMission, stopWatchingInactive, writebackMission } from './loop';
import { isTerminal } from './stateMachine';
import { missionStore } from './store';
import { missionsState } from './state';

const CALL = { transport: 'internal', actor: 'watcher' } as const;
/** Upper bound on missions considered per cycle (keeps one cycle's work list bounded at any scale). */
const MAX_PER_CYCLE = 5000;

/** Let queued I/O (HTTP requests) run: bridges that answer from memory (the mocks) never yield on their own. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Most synchronous work the watcher does in one event-loop turn before it lets requests in. */
const SLICE_MS = 8;

/**
 * Run fn over items, `limit` at a time, in time slices: whoever finds the current slice used up waits for the
 * next loop turn, and the first one back opens a new slice. So however fast the bridges answer, a request never
 * waits more than about one slice (plus one refresh) behind the watcher.
 */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let sliceStart = performance.now();
  let slice = 0;
  const waitForSlice = async () => {
    while (performance.now() - sliceStart > SLICE_MS) {
      const mine = slice;
      await yieldToLoop();
      if (slice === mine) {
        slice++;
        sliceStart = performance.now();
      }
    }
  };
  const worker = async () => {
    while (next < items.length) {
      await waitForSlice();
      if (next >= items.length) break;
      await fn(items[next++]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export interface CycleReport {
  due: number;
  refreshed: number;
  errors: number;
  finished: number;
  writebacks: number;
  ms: number;
}

/** One watcher cycle. Exported for tests and the benchmark; the runtime calls it on its timer. */
export async function runWatcherCycle(ctx: ServerContext): Promise<CycleReport> {
  const st = missionsState(ctx).watcher;
  if (st.running) {
    st.skipped_overlaps++;
    return { due: 0, refreshed: 0, errors: 0, finished: 0, writebacks: 0, ms: 0 };
  }
  st.running = true;
  const started = performance.now();
  const store = missionStore(ctx.db);
  const report: CycleReport = { due: 0, refreshed: 0, errors: 0, finished: 0, writebacks: 0, ms: 0 };
  const concurrency = ctx.config['missions.watcherMaxActiveRuns'];
  try {
    const t = new Date().toISOString();
    for (const id of store.staleWatched()) {
      // Watched but no longer active (e.g. finished by a manual refresh while the watcher slept): let it go.
      stopWatchingInactive(ctx, id);
      store.addWatcherEvent(t, 'stopped_watching', id, 'not active any more');
    }
    const due = store.dueWatched(t, MAX_PER_CYCLE);
    report.due = due.length;
    await pool(due, concurrency, async (id) => {
      try {
        const r = await refreshMission(ctx, id, CALL);
        report.refreshed++;
        const at = new Date().toISOString();
        if (!r.ok) {
          report.errors++;
          store.addWatcherEvent(at, 'refresh_failed', id, r.error?.message ?? 'refresh failed', { fix_hint: r.error?.fix_hint });
        } else if (r.changed) {
          store.addWatcherEvent(at, 'refreshed', id, `${r.run.status}${r.run.job_raw_status ? ` (${r.run.job_raw_status})` : ''}`, {
            status: r.run.status,
          });
          if (isTerminal(r.run.status)) {
            report.finished++;
            store.addWatcherEvent(at, 'stopped_watching', id, `mission ${r.run.status}`);
          }
        }
      } catch (err) {
        report.errors++;
        store.addWatcherEvent(new Date().toISOString(), 'error', id, describeError(err).message);
      }
    });
    if (ctx.config['missions.autoWriteback']) {
      const notAfter = new Date(Date.now() - ctx.config['missions.writebackDebounceSeconds'] * 1000).toISOString();
      const pending = store.duePendingWritebacks(notAfter, MAX_PER_CYCLE);
      await pool(pending, concurrency, async (id) => {
        try {
          if (getRow(ctx, id).writeback_status !== 'pending') return;
          const w = await writebackMission(ctx, id, { operator_notes: '', tags: ['auto'], trigger: 'auto' }, CALL);
          report.writebacks++;
          const kind = w.writeback.status === 'skipped' ? 'writeback_skipped' : w.ok ? 'auto_writeback' : 'writeback_failed';
          store.addWatcherEvent(new Date().toISOString(), kind, id, w.writeback.message, {
            writeback_id: w.writeback.id,
            outcome_hash: w.writeback.outcome_hash,
          });
        } catch (err) {
          report.errors++;
          store.addWatcherEvent(new Date().toISOString(), 'error', id, describeError(err).message);
        }
      });
    }
  } finally {
    report.ms = Math.round(performance.now() - started);
    st.running = false;
    st.cycles++;
    st.last_cycle_at = new Date().toISOString();
    st.last_cycle_ms = report.ms;
    st.last_cycle_refreshed = report.refreshed;
    st.last_cycle_errors = report.errors;
    if (report.due || report.writebacks || report.errors)
      store.addWatcherEvent(
        st.last_cycle_at,
        'cycle',
        null,
        `refreshed ${report.refreshed}/${report.due}, ${report.finished} finished, ${report.writebacks} writeback(s), ${report.errors} error(s) in ${report.ms} ms`,
        { ...report },
      );
  }
  return report;
}

/** Starts the timer loop; returns a stop function that waits for a running cycle to end. */
export function startWatcher(ctx: ServerContext): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<unknown> = Promise.resolve();
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = runWatcherCycle(ctx)
        .catch((err) => ctx.log.error('mission watcher cycle failed', err))
        .finally(() => schedule(ctx.config['missions.watcherIntervalSeconds'] * 1000));
    }, delayMs);
    timer.unref();
  };
  ctx.log.info(
    `mission watcher on: every ${ctx.config['missions.watcherIntervalSeconds']} s, ${ctx.config['missions.watcherMaxActiveRuns']} at once${ctx.config['missions.autoWriteback'] ? ', auto-writeback' : ''}`,
  );
  // The first cycle runs at once, so missions watched before a restart resume without waiting an interval.
  schedule(0);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await current;
  };
}
