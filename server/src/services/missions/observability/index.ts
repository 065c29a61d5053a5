// Services of the missions observability / retention / alert methods (protocol/missionsObservability.ts) and
// the runtime that runs the background compactor and the alert dispatcher.
import type { AreaRuntime } from '../../../runtime';
import type { ServerContext } from '../../../context';
import * as O from '../../../protocol/missionsObservability';
import { AppError } from '../../../protocol/errors';
import { implement, implementJson, implementRaw, type Implementation } from '../../registry';
import { cohortsQuery, cohortsSummaryQuery, insightsQuery, json, value } from './cached';
import { dryRunCompaction, retentionOf, startCompaction, startCompactor } from '../retention';
import { compactionJobs } from '../retention/jobs';
import { alertEvents, startAlertDispatcher } from '../alerts';
import * as X from '../../../protocol/missionsExchange';
import { checkMessageExport, exportMissions, importMissions } from '../exchange';
import { exportStream } from '../exchange/stream';
import { importRaw } from '../exchange/importRest';

const filtersOf = (p: O.AnalyticsFilters): O.AnalyticsFilters => {
  const f: O.AnalyticsFilters = {};
  for (const k of ['repo', 'persona_id', 'status', 'writeback_status', 'confidence_level'] as const)
    if (p[k] !== undefined) (f as Record<string, string>)[k] = p[k]!;
  return f;
};

export const missionsObservabilityServices: readonly Implementation[] = [
  // Through the analytics cache (./cached.ts); REST answers with the entry's ready JSON text.
  implementJson(
    O.insights,
    (p, ctx) => value(ctx, insightsQuery(ctx, filtersOf(p))),
    (p, ctx) => json(ctx, insightsQuery(ctx, filtersOf(p)), O.insights),
  ),
  implementJson(
    O.cohorts,
    (p, ctx) => value(ctx, cohortsQuery(ctx, filtersOf(p), p.group_by, p.limit)),
    (p, ctx) => json(ctx, cohortsQuery(ctx, filtersOf(p), p.group_by, p.limit), O.cohorts),
  ),
  implementJson(
    O.cohortsSummary,
    (p, ctx) => value(ctx, cohortsSummaryQuery(ctx, filtersOf(p))),
    (p, ctx) => json(ctx, cohortsSummaryQuery(ctx, filtersOf(p)), O.cohortsSummary),
  ),
  implement(O.retention, (_p, ctx) => retentionOf(ctx)),
  implement(O.compact, async (p, ctx, call) => {
    if (p.dry_run) return { ok: true, report: await dryRunCompaction(ctx), job_id: null, state: null };
    const job = startCompaction(ctx, call.actor);
    if (!p.wait) return { ok: true, report: compactionJobs(ctx.db).get(job.jobId)!.report, job_id: job.jobId, state: 'running' as const };
    return { ok: true, report: await job.done, job_id: job.jobId, state: 'done' as const };
  }),
  implement(O.compaction, (p, ctx) => {
    const job = compactionJobs(ctx.db).get(p.job_id);
    if (!job) throw new AppError('not_found', `compaction ${p.job_id} not found`);
    return { ok: true, job };
  }),
  implement(O.alertEvents, (p, ctx) => ({ ok: true, events: alertEvents(ctx, p.limit) })),
  // REST streams the bundle (any size); the one-message doors (MCP, JSON-RPC) answer it whole, up to a cap.
  implement(
    X.exportMissions,
    (p, ctx, call) => {
      if (call.transport !== 'internal') checkMessageExport(ctx, p);
      return exportMissions(ctx, p) as never;
    },
    (p, ctx) => exportStream(ctx, p),
  ),
  // REST takes the body raw and imports it in a worker thread (any size); JSON-RPC / MCP pass a parsed bundle.
  implementRaw(
    X.importMissions,
    (p, ctx) => importMissions(ctx, p),
    (body, ctx) => importRaw(ctx, body),
  ),
];

const compactors = new WeakMap<ServerContext, { stop: () => Promise<void>; key: string }>();
const keyOf = (ctx: ServerContext) => JSON.stringify([ctx.config['missions.compactionEnabled'], ctx.config['missions.compactionIntervalSeconds']]);

function syncCompactor(ctx: ServerContext): void {
  const cur = compactors.get(ctx);
  if (cur && cur.key === keyOf(ctx)) return;
  if (cur) {
    compactors.delete(ctx);
    void cur.stop();
  }
  if (ctx.config['missions.compactionEnabled']) compactors.set(ctx, { stop: startCompactor(ctx), key: keyOf(ctx) });
}

const dispatchers = new WeakMap<ServerContext, () => Promise<void>>();

/** The compactor (when enabled) and the alert dispatcher (always: it marks alerts skipped while alerts are off). */
export const missionsRetentionRuntime: AreaRuntime = {
  name: 'missions-retention',
  start(ctx) {
    const cut = compactionJobs(ctx.db).markInterrupted();
    if (cut) ctx.log.info(`missions: ${cut} compaction(s) cut short by the last shutdown were marked interrupted`);
    syncCompactor(ctx);
    if (!dispatchers.has(ctx)) dispatchers.set(ctx, startAlertDispatcher(ctx));
  },
  reconfigure: syncCompactor,
  async stop(ctx) {
    const cur = compactors.get(ctx);
    compactors.delete(ctx);
    await cur?.stop();
    const d = dispatchers.get(ctx);
    dispatchers.delete(ctx);
    await d?.();
  },
};
