// The persona portfolio, summary and insights of a lineage (brief phase I): the branches side by side, ranked,
// with their recommendations and override state; per-persona rollups (SQL aggregates, cached).
import type { ServerContext } from '../../../context';
import type { PortfolioBranch } from '../../../protocol/missionsPersonas';
import { personaStats, prep, rootOf, whereOf } from './analytics';
import { cached, cacheKey } from './cache';
import { effectivePolicy } from './policy';
import { branchesOf, COLS, RANK_SQL, recommend, type BranchRow } from './recommend';

/**
 * One page of a lineage's persona branches, best ranked first: the rank and the page are the database's (the
 * rank score in SQL, LIMIT / OFFSET), and each recommendation still compares its branch with the whole lineage
 * (count, succeeded, best rank: one aggregate), so a 1k-branch lineage never builds 1k recommendations.
 */
/** The SQL of a portfolio page, exported so the benchmark's bare SQL is exactly the route's (besides ROOT_OF_SQL). */
export const PORTFOLIO_SQL = {
  /** The lineage's counts and best rank (covering index). */
  lineage: `SELECT count(*) AS n, total(status = 'succeeded') AS ok, max(CASE WHEN status = 'succeeded' THEN ${RANK_SQL} END) AS top
     FROM missions WHERE root_mission_id = @root AND id != @root`,
  // A range of the rank index (migration 47): the page's rows only, no sort of the whole lineage (the planner's
  // statistics would rather take the root index and sort, hence INDEXED BY).
  page: `SELECT ${COLS} FROM missions INDEXED BY missions_persona_rank WHERE root_mission_id = @root AND id != @root
           ORDER BY ${RANK_SQL} DESC, id LIMIT @limit OFFSET @offset`,
  latestSet: `SELECT branch_set_id FROM missions WHERE root_mission_id = @root AND persona_overlay IS NOT NULL AND branch_set_id IS NOT NULL
       ORDER BY created_at DESC, id DESC LIMIT 1`,
};

/**
 * One page of a lineage's persona branches, best ranked first: the rank and the page are the database's (the
 * rank score in SQL, LIMIT / OFFSET), and each recommendation still compares its branch with the whole lineage
 * (count, succeeded, best rank: one aggregate), so a 1k-branch lineage never builds 1k recommendations. The root
 * is read by its one column (rootOf), the policy once (for the answer and the recommendations).
 */
export function portfolio(ctx: ServerContext, rootId: string, page: { limit: number; offset: number } = { limit: 100, offset: 0 }) {
  const rid = rootOf(ctx, rootId);
  const agg = prep(ctx.db, PORTFOLIO_SQL.lineage).get({ root: rid }) as { n: number; ok: number; top: number | null };
  // No branches yet: the root alone is the portfolio (as branchesOf answers).
  const alone = agg.n === 0;
  const branches = (alone ? branchesOf(ctx, rid) : prep(ctx.db, PORTFOLIO_SQL.page).all({ root: rid, ...page })) as BranchRow[];
  const eff = effectivePolicy(ctx, rid);
  const recs = alone
    ? recommend(ctx, branches, undefined, eff.policy.enabled)
    : recommend(ctx, branches, { count: agg.n, succeeded: agg.ok, top: agg.top === null ? null : Math.round(agg.top * 10) / 10 }, eff.policy.enabled);
  const rows: PortfolioBranch[] = branches.map((b) => ({
    run_id: b.id,
    parent_run_id: b.parent_mission_id,
    branch_set_id: b.branch_set_id,
    branch_label: b.branch_label,
    strategy: b.strategy,
    persona_id: b.persona_id,
    persona_name: b.persona_name,
    persona_overlay: b.persona_overlay,
    persona_assignment_reason: b.persona_assignment_reason,
    status: b.status,
    mission_score: b.mission_score,
    confidence_level: b.confidence_level,
    risk_level: b.risk_level,
    pr_url: b.pr_url,
    decision_state: b.decision_state,
    recommendation: recs.get(b.id)!,
    recommendation_state: b.recommendation_state,
    operator_override_status: b.operator_override_status,
    operator_override_note: b.operator_override_note,
    mock: b.mock === 1,
  }));
  // Ties by id in binary order, as the page's ORDER BY (SQLite's BINARY collation): the ranking lists a page's
  // branches in the page's own order (localeCompare, ICU's order, could swap two tied ids and cost more).
  const ranked = [...rows].sort(
    (a, b) =>
      b.recommendation.heuristic_rank_score - a.recommendation.heuristic_rank_score || (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0),
  );
  const latestSet = (prep(ctx.db, PORTFOLIO_SQL.latestSet).pluck().get({ root: rid }) as string | undefined) ?? null;
  return {
    ok: true,
    root_run_id: rid,
    branch_set_id: latestSet,
    total: alone ? branches.length : agg.n,
    branches: rows,
    ranking_summary: ranked.map((r) => ({
      run_id: r.run_id,
      branch_label: r.branch_label,
      strategy: r.strategy,
      persona: r.persona_id,
      heuristic_rank_score: r.recommendation.heuristic_rank_score,
    })),
    shortlist_suggestions: ranked.filter((r) => r.recommendation.action === 'shortlist').map((r) => r.run_id),
    elimination_suggestions: ranked.filter((r) => r.recommendation.action === 'eliminate').map((r) => r.run_id),
    interpretation_note:
      'Rankings and recommendations are heuristic operator aids (score, PR, risk, outcome), not objective truth: review provenance, risk posture and intent before deciding.',
    policy: { template_name: eff.template_name, enabled: eff.policy.enabled },
  };
}

/** The persona summary of a lineage, without its cache metadata (the cached value). */
function summaryOf(ctx: ServerContext, rid: string) {
  const w = whereOf({ root_run_id: rid });
  const stats = personaStats(ctx, w);
  const extra = prep(
    ctx.db,
    `SELECT persona_id, group_concat(DISTINCT persona_overlay) AS overlays,
      (SELECT id FROM missions b WHERE b.root_mission_id = @root AND b.persona_id = m.persona_id ORDER BY b.mission_score DESC, b.id LIMIT 1) AS best
     FROM missions m WHERE root_mission_id = @root GROUP BY persona_id`,
  ).all({ root: rid }) as { persona_id: string; overlays: string | null; best: string | null }[];
  const by = new Map(extra.map((e) => [e.persona_id, e]));
  return {
    ok: true,
    root_run_id: rid,
    personas: stats.map((s) => ({
      ...s,
      overlays: by.get(s.persona_id)?.overlays?.split(',').sort() ?? [],
      best_run_id: by.get(s.persona_id)?.best ?? null,
    })),
    interpretation_note: 'Per-persona rollups of this lineage are heuristic operator aids; small counts say little.',
  };
}

/** The cache key and the computation of a lineage's persona summary (the root resolved first: 404 if unknown). */
export function summaryQuery(ctx: ServerContext, rootId: string) {
  const rid = rootOf(ctx, rootId);
  return { key: cacheKey('persona-summary', { root_run_id: rid }), compute: () => summaryOf(ctx, rid) };
}

export function summary(ctx: ServerContext, rootId: string) {
  const q = summaryQuery(ctx, rootId);
  const { value, meta } = cached(ctx, q.key, q.compute);
  return { ...value, cache_metadata: meta };
}

/** Persona insights of a lineage or of everything, without cache metadata (the cached value). */
function insightsOf(ctx: ServerContext, rid: string | undefined) {
  const value = personaStats(ctx, whereOf({ root_run_id: rid }));
  const scored = value.filter((p) => p.average_score !== null);
  const top = [...scored].sort((a, b) => b.average_score! - a.average_score! || a.persona_id.localeCompare(b.persona_id))[0];
  const safest = [...value]
    .filter((p) => p.high_risk_rate !== null)
    .sort((a, b) => a.high_risk_rate! - b.high_risk_rate! || a.persona_id.localeCompare(b.persona_id))[0];
  const notes: string[] = [];
  if (top) notes.push(`${top.persona_id} has the highest average score (${top.average_score}) over ${top.count} mission(s).`);
  if (safest) notes.push(`${safest.persona_id} has the lowest high-risk rate (${safest.high_risk_rate}).`);
  for (const p of value)
    if (p.override_rate && p.override_rate >= 0.5)
      notes.push(`${p.persona_id}: the operator overrode ${Math.round(p.override_rate * 100)}% of its recommendations.`);
  notes.push('Heuristic operator aids: small counts say little.');
  return {
    ok: true,
    root_run_id: rid ?? null,
    personas: value,
    top_by_score: top?.persona_id ?? null,
    lowest_risk: safest?.persona_id ?? null,
    notes,
  };
}

export function insightsQuery(ctx: ServerContext, rootId?: string) {
  const rid = rootId ? rootOf(ctx, rootId) : undefined;
  return { key: cacheKey('persona-insights', { root_run_id: rid }), compute: () => insightsOf(ctx, rid) };
}

export function insights(ctx: ServerContext, rootId?: string) {
  const q = insightsQuery(ctx, rootId);
  const { value, meta } = cached(ctx, q.key, q.compute);
  return { ...value, cache_metadata: meta };
}
