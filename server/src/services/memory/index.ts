// Memory area services and its background runtime (the embedder; jobs interrupted by a restart are marked).
import type { Implementation } from '../registry';
import type { AreaRuntime } from '../../runtime';
import type { ServerContext } from '../../context';
import * as M from '../../protocol/memory';
import { implement } from '../registry';
import { capsuleServices, changed } from './capsules';
import { contextServices } from './contexts';
import { embedModel, embedderStatus, reconfigureEmbedder, startEmbedder, stopEmbedder } from './embedder';
import { failInterruptedJobs, jobServices, recentJobs, stopJobs } from './jobs';
import { lineageServices } from './lineage';
import { neighborServices } from './neighbors';
import { acceptProposal, listProposals, openCount, rejectProposal } from './proposals';
import { statements, sql } from './store';
import { uploadServices } from './upload';
import { stopRetrievalThreads } from './retrievalPool';
import { startTextIndexUpkeep, stopTextIndexUpkeep } from './textIndex';

const proposalServices = [
  implement(M.conflicts, (p, ctx) => ({ ok: true, ...listProposals(ctx.db, 'conflict', p.status, p.limit, p.offset) })),
  implement(M.duplicates, (p, ctx) => ({ ok: true, ...listProposals(ctx.db, 'duplicate', p.status, p.limit, p.offset) })),
  implement(M.accept, (p, ctx) => {
    const r = acceptProposal(ctx.db, p.proposal_id, p.resolution, p.keep_id, p.note);
    changed(ctx, `proposal ${p.proposal_id} accepted (${p.resolution})`, r.changed);
    return { ok: true, proposal: r.proposal, changed_ids: r.changed };
  }),
  implement(M.reject, (p, ctx) => {
    const proposal = rejectProposal(ctx.db, p.proposal_id, p.note);
    changed(ctx, `proposal ${p.proposal_id} rejected`, []);
    return { ok: true, proposal };
  }),
];

const counter = (ctx: ServerContext, key: string) => (statements(ctx.db).counter.get(key) as { n: number } | undefined)?.n ?? 0;

/**
 * Hot memories and runs with recent contexts depend on the clock, so triggers cannot keep them: they are
 * counted over their indexes at most every few seconds per server (the health route is polled by panels).
 */
const WINDOW_TTL_MS = 5000;
const windowCache = new WeakMap<ServerContext, { at: number; hot: number; activeRuns: number; key: string }>();
function timeWindowCounts(ctx: ServerContext, counts: string): { hot: number; activeRuns: number } {
  const hotDays = ctx.config['memory.hotDays'];
  // Any write that moves a counter (create, archive, supersede…) makes the cached window counts stale at once.
  const lastContext = (sql(ctx.db, 'SELECT MAX(id) AS id FROM memory_contexts').get() as { id: number | null }).id;
  const key = `${hotDays}|${counts}|${lastContext}`;
  const c = windowCache.get(ctx);
  if (c && c.key === key && Date.now() - c.at < WINDOW_TTL_MS) return c;
  const s = statements(ctx.db);
  const hot = (s.hotCount.get(new Date(Date.now() - hotDays * 86_400_000).toISOString()) as { n: number }).n;
  const since = new Date(Date.now() - 86_400_000).toISOString();
  const activeRuns = (sql(ctx.db, 'SELECT COUNT(DISTINCT owner_id) AS n FROM memory_contexts WHERE created_at >= ?').get(since) as { n: number }).n;
  const v = { at: Date.now(), hot, activeRuns, key };
  windowCache.set(ctx, v);
  return v;
}

const healthService = implement(M.health, (_p, ctx) => {
  const s = statements(ctx.db);
  const byLayer = Object.fromEntries(M.LAYERS.map((l) => [l, 0]));
  for (const r of s.countByLayer.all() as { layer: string; n: number }[]) byLayer[r.layer] = r.n;
  const byStatus: Record<string, number> = { active: 0, archived: 0, deleted: 0 };
  for (const r of s.countByStatus.all() as { status: string; n: number }[]) byStatus[r.status] = r.n;
  const current = Object.values(byLayer).reduce((a, b) => a + b, 0);
  const { hot, activeRuns } = timeWindowCounts(ctx, JSON.stringify([byLayer, byStatus]));
  const jobs = recentJobs(ctx, 10);
  const model = embedModel(ctx);
  return {
    ok: true,
    counts_by_layer: byLayer,
    counts_by_status: byStatus,
    hot_count: hot,
    cold_count: current - hot,
    conflict_count: openCount(ctx.db, 'conflict'),
    duplicate_count: openCount(ctx.db, 'duplicate'),
    active_context_runs: activeRuns,
    maintenance_status: jobs,
    last_maintenance: jobs.find((j) => j.kind === 'maintenance' && (j.status === 'done' || j.status === 'failed')) ?? null,
    embeddings: {
      enabled: model !== null,
      model,
      embedded: model ? counter(ctx, `embedded:${model}`) : 0,
      pending: counter(ctx, 'queue'),
      last_error: embedderStatus(ctx).lastError,
    },
  };
});

export const memoryServices: readonly Implementation[] = [
  ...capsuleServices,
  ...uploadServices,
  ...lineageServices,
  ...neighborServices,
  ...contextServices,
  ...proposalServices,
  ...jobServices,
  healthService,
];

export const memoryRuntime: AreaRuntime = {
  name: 'memory',
  start(ctx) {
    failInterruptedJobs(ctx);
    startEmbedder(ctx);
    startTextIndexUpkeep(ctx);
  },
  reconfigure(ctx) {
    reconfigureEmbedder(ctx);
  },
  async stop(ctx) {
    stopEmbedder(ctx);
    stopTextIndexUpkeep(ctx);
    await stopJobs(ctx);
    await stopRetrievalThreads(ctx);
  },
};
