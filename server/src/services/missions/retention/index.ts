// Retention: the policy from settings, the counts `GET retention` shows, on-demand compaction, and the
// background compactor (every missions.compactionIntervalSeconds while missions.compactionEnabled). One
// compaction at a time per server; a caller arriving during one shares its report (dry runs run on their own).
import type { ServerContext } from '../../../context';
import type { CompactionReport } from '../../../protocol/missionsObservability';
import { missionStore } from '../store';
import { compactMissionEvents, KEPT_EVENT_TYPES, REMOVABLE_EVENT_TYPES } from './compaction';

interface RetentionState {
  running: Promise<CompactionReport> | null;
  last: CompactionReport | null;
}
const states = new WeakMap<ServerContext, RetentionState>();
function stateOf(ctx: ServerContext): RetentionState {
  let s = states.get(ctx);
  if (!s) states.set(ctx, (s = { running: null, last: null }));
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

export async function compactNow(ctx: ServerContext, dryRun: boolean, actor: string): Promise<CompactionReport> {
  if (dryRun) return compactMissionEvents(ctx.db, policy(ctx), { dryRun: true });
  const s = stateOf(ctx);
  if (s.running) return s.running;
  s.running = (async () => {
    const report = await compactMissionEvents(ctx.db, policy(ctx), { dryRun: false });
    s.last = report;
    if (report.removed_total > 0 || actor !== 'compactor') {
      missionStore(ctx.db).addWatcherEvent(
        report.finished_at,
        'compaction',
        null,
        `Compaction removed ${report.removed_total} event(s) (${report.removed_events_ttl} past the TTL, ${report.removed_events_cap} over the per-run cap, ${report.removed_watcher_events} watcher, ${report.removed_alert_events} alert)`,
        { ...report, actor },
      );
    }
    ctx.log.info(
      `missions compaction: removed ${report.removed_total} in ${report.duration_ms} ms (${report.transactions} transactions, longest ${report.longest_transaction_ms} ms)`,
    );
    return report;
  })().finally(() => {
    s.running = null;
  });
  return s.running;
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
    next_compaction: await compactNow(ctx, true, 'retention'),
    last_compaction: stateOf(ctx).last,
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
    await stateOf(ctx).running?.catch(() => {});
  };
}
