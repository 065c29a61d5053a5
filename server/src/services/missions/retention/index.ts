// Retention: the policy from settings, the counts `GET retention` shows, on-demand compaction, and the
// background compactor (every missions.compactionIntervalSeconds while missions.compactionEnabled). One
// compaction at a time per server, recorded as a job (jobs.ts); a caller arriving during one joins it (dry runs
// run on their own).
import type { ServerContext } from '../../../context';
import type { CompactionReport } from '../../../protocol/missionsObservability';
import { missionStore } from '../store';
import { didCompact } from '../../../protocol/missionsObservability';
import { compactMissionEvents, emptyReport, KEPT_EVENT_TYPES, REMOVABLE_EVENT_TYPES } from './compaction';
import { compactionJobs } from './jobs';
import { compactOffLoop } from './compactionThread';

interface RetentionState {
  running: { jobId: number; done: Promise<CompactionReport> } | null;
}
const states = new WeakMap<ServerContext, RetentionState>();
function stateOf(ctx: ServerContext): RetentionState {
  let s = states.get(ctx);
  if (!s) states.set(ctx, (s = { running: null }));
  return s;
}

export function policyOf(ctx: ServerContext) {
  return {
    events_ttl_days: ctx.config['missions.eventsTtlDays'],
    events_max_per_run: ctx.config['missions.eventsMaxPerRun'],
    compaction_enabled: ctx.config['missions.compactionEnabled'],
    compaction_interval_seconds: ctx.config['missions.compactionIntervalSeconds'],
    kept_event_types: [...KEPT_EVENT_TYPES],
  };
}

const policy = (ctx: ServerContext) => ({ ttlDays: ctx.config['missions.eventsTtlDays'], maxPerRun: ctx.config['missions.eventsMaxPerRun'] });

export const dryRunCompaction = (ctx: ServerContext): Promise<CompactionReport> => compactMissionEvents(ctx.db, policy(ctx), { dryRun: true });

/**
 * Start a real compaction as a job (or join the one running): it is recorded at once, commits its progress as it
 * goes (streamed as didCompact) and its final report at the end.
 */
export function startCompaction(ctx: ServerContext, actor: string): { jobId: number; done: Promise<CompactionReport> } {
  const s = stateOf(ctx);
  if (s.running) return s.running;
  const jobs = compactionJobs(ctx.db);
  const started = new Date();
  const jobId = jobs.start(actor, emptyReport(false, started.toISOString(), ''));
  const emit = (state: 'running' | 'done' | 'failed', report: CompactionReport) => ctx.events.emit(didCompact, { job_id: jobId, state, report });
  const done = (async () => {
    await new Promise<void>((r) => setImmediate(r)); // the request that started it answers first
    try {
      const report = await compactOffLoop(ctx, policy(ctx), {
        now: started,
        onProgress: jobs.progress(jobId, (r) => emit('running', r)),
      });
      jobs.finish(jobId, 'done', report);
      emit('done', report);
      if (report.removed_total > 0 || actor !== 'compactor') {
        missionStore(ctx.db).addWatcherEvent(
          report.finished_at,
          'compaction',
          null,
          `Compaction removed ${report.removed_total} event(s) (${report.removed_events_ttl} past the TTL, ${report.removed_events_cap} over the per-run cap, ${report.removed_watcher_events} watcher, ${report.removed_alert_events} alert)`,
          { ...report, actor, job_id: jobId },
        );
      }
      ctx.log.info(
        `missions compaction ${jobId}: removed ${report.removed_total} in ${report.duration_ms} ms (${report.transactions} transactions, longest ${report.longest_transaction_ms} ms)`,
      );
      return report;
    } catch (err) {
      const so = compactionJobs(ctx.db).get(jobId)?.report ?? emptyReport(false, started.toISOString(), '');
      if (ctx.db.open) jobs.finish(jobId, 'failed', so, (err as Error).message);
      emit('failed', so);
      throw err;
    }
  })().finally(() => {
    s.running = null;
  });
  done.catch(() => {}); // a caller that did not wait (wait: false) reads the failure from the job row
  s.running = { jobId, done };
  return s.running;
}

/** Compact now and wait for the report (the background compactor; the default of POST retention/compact). */
export async function compactNow(ctx: ServerContext, dryRun: boolean, actor: string): Promise<CompactionReport> {
  if (dryRun) return dryRunCompaction(ctx);
  return startCompaction(ctx, actor).done;
}

function span(ctx: ServerContext, table: string) {
  // Both log tables index created_at, so min / max are seeks; count(*) walks the smallest index.
  return ctx.db
    .prepare(
      `SELECT (SELECT count(*) FROM ${table}) AS count, (SELECT min(created_at) FROM ${table}) AS oldest, (SELECT max(created_at) FROM ${table}) AS newest`,
    )
    .get() as { count: number; oldest: string | null; newest: string | null };
}

/** Timeline span: min / max per event type through the (type, created_at) index — no scan of the events. */
function timelineSpan(ctx: ServerContext) {
  const types = [...KEPT_EVENT_TYPES, ...REMOVABLE_EVENT_TYPES].map((t) => `'${t}'`);
  // (Aggregate min / max over a UNION ignore the NULLs of absent types; the scalar forms would not.)
  const per = (fn: 'min' | 'max') =>
    `(SELECT ${fn}(v) FROM (${types.map((t) => `SELECT (SELECT ${fn}(created_at) FROM mission_events WHERE type = ${t}) AS v`).join(' UNION ALL ')}))`;
  return ctx.db.prepare(`SELECT (SELECT count(*) FROM mission_events) AS count, ${per('min')} AS oldest, ${per('max')} AS newest`).get() as {
    count: number;
    oldest: string | null;
    newest: string | null;
  };
}

export async function retentionOf(ctx: ServerContext) {
  const hasAlerts = ctx.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mission_alert_events'").get() !== undefined;
  return {
    ok: true,
    policy: policyOf(ctx),
    timeline_events: timelineSpan(ctx),
    watcher_events: span(ctx, 'mission_watcher_events'),
    alert_events: hasAlerts ? span(ctx, 'mission_alert_events') : { count: 0, oldest: null, newest: null },
    next_compaction: await dryRunCompaction(ctx),
    last_compaction: compactionJobs(ctx.db).lastFinished()?.report ?? null,
    running_compaction: compactionJobs(ctx.db).running(),
  };
}

/** Starts the background compactor; returns its stop function (waits for a compaction in progress). */
export function startCompactor(ctx: ServerContext): () => Promise<void> {
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try {
      await compactNow(ctx, false, 'compactor');
    } catch (err) {
      ctx.log.error('missions compaction failed', err);
    }
    if (!stopped) timer = setTimeout(tick, ctx.config['missions.compactionIntervalSeconds'] * 1000);
  };
  let timer: NodeJS.Timeout | undefined = setTimeout(tick, ctx.config['missions.compactionIntervalSeconds'] * 1000);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await stateOf(ctx).running?.done.catch(() => {});
  };
}
