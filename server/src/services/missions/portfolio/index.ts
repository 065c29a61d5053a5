// Services of the portfolio / decision-summary methods (protocol/missionsPortfolio.ts).
import type { ServerContext } from '../../../context';
import { AppError, notFound } from '../../../protocol/errors';
import * as P from '../../../protocol/missionsPortfolio';
import type { DecisionSummaryResult, PortfolioBranch, PortfolioResult } from '../../../protocol/missionsPortfolio';
import { implement, type Implementation } from '../../registry';
import { getRow } from '../loop';
import { refuse } from '../lineage/fork';
import { portfolioSql, type DecidedRow } from './query';
import { explain, INTERPRETATION_NOTE, RANKING_EXPLANATION, rankBranches, suggest } from './rank';

function portfolioOf(rootId: string, setId: string | null, setLabel: string | null, rows: DecidedRow[], limit: number): PortfolioResult {
  const ranked = rankBranches(rows);
  const { shortlist, eliminate } = suggest(ranked);
  const listed = ranked.slice(0, limit);
  const best = ranked.find((b) => b.decision_status !== 'eliminated');
  return {
    ok: true,
    root_run_id: rootId,
    branch_set_id: setId,
    set_label: setLabel,
    total_branches: ranked.length,
    branches: listed,
    ranking_summary: listed.map((b) => ({
      rank: b.rank,
      run_id: b.run_id,
      branch_label: b.branch_label,
      strategy: b.strategy,
      persona: b.persona,
      heuristic_rank_score: b.heuristic_rank_score,
      explanation: explain(b.rank_factors, b.heuristic_rank_score),
    })),
    ranking_explanation: RANKING_EXPLANATION,
    shortlist_suggestions: shortlist,
    elimination_suggestions: eliminate,
    interpretation_note: ranked.length
      ? `${INTERPRETATION_NOTE} ${ranked.length} branch${ranked.length === 1 ? '' : 'es'}, ${ranked.filter((b) => b.terminal).length} finished; highest rank score: ${best ? `${best.branch_label ?? best.run_id} (${best.heuristic_rank_score})` : 'none (all eliminated)'}.`
      : `${INTERPRETATION_NOTE} No branches yet: plan a branch set from this mission.`,
    heuristic: true,
  };
}

export function runPortfolio(ctx: ServerContext, runId: string, setId: string | undefined, limit: number): PortfolioResult {
  const sql = portfolioSql(ctx.db);
  const run = sql.place(runId);
  if (!run) throw notFound('Mission', runId);
  const wanted = setId ?? run.branch_set_id;
  if (!wanted) return portfolioOf(run.root_mission_id, null, null, sql.branchesOfRoot(run.root_mission_id), limit);
  const set = sql.branchSet(wanted);
  if (!set) throw new AppError('not_found', `Branch set ${wanted} not found`);
  if (set.root_mission_id !== run.root_mission_id)
    throw refuse('branch_set_id', `branch set ${wanted} is not in the lineage of ${runId} (root ${run.root_mission_id})`);
  return portfolioOf(run.root_mission_id, set.id, set.set_label, sql.branchesOfSet(run.root_mission_id, set.id), limit);
}

export function lineagePortfolio(ctx: ServerContext, rootId: string, limit: number): PortfolioResult {
  const root = getRow(ctx, rootId);
  if (root.root_mission_id !== root.id)
    throw refuse('root_run_id', `${rootId} is not a root (its root is ${root.root_mission_id})`, `use ${root.root_mission_id}`);
  return portfolioOf(root.id, null, null, portfolioSql(ctx.db).branchesOfRoot(root.id), limit);
}

const decided = (b: PortfolioBranch, rows: Map<string, DecidedRow>) => ({
  run_id: b.run_id,
  branch_label: b.branch_label,
  strategy: b.strategy,
  heuristic_rank_score: b.heuristic_rank_score,
  decision_note: b.decision_note,
  decided_at: rows.get(b.run_id)?.decided_at ?? null,
});

export function decisionSummary(ctx: ServerContext, rootId: string): DecisionSummaryResult {
  const root = getRow(ctx, rootId);
  if (root.root_mission_id !== root.id)
    throw refuse('root_run_id', `${rootId} is not a root (its root is ${root.root_mission_id})`, `use ${root.root_mission_id}`);
  const sql = portfolioSql(ctx.db);
  const rows = sql.branchesOfRoot(root.id);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ranked = rankBranches(rows);
  const { shortlist, eliminate } = suggest(ranked);
  const shortlisted = ranked.filter((b) => b.shortlisted);
  const eliminated = ranked.filter((b) => b.eliminated);
  const sets = sql.branchSetsOfRoot(root.id).map((s) => {
    const members = ranked.filter((b) => b.branch_set_id === s.id);
    const best = members.find((b) => !b.eliminated) ?? null;
    return {
      branch_set_id: s.id,
      set_label: s.set_label,
      source_run_id: s.source_mission_id,
      created_at: s.created_at,
      total: members.length,
      terminal: members.filter((b) => b.terminal).length,
      shortlisted: members.filter((b) => b.shortlisted).length,
      eliminated: members.filter((b) => b.eliminated).length,
      undecided: members.filter((b) => b.decision_status === 'undecided').length,
      best_run_id: best?.run_id ?? null,
      best_heuristic_rank_score: best?.heuristic_rank_score ?? null,
    };
  });
  const counts = sql.decisionCounts(root.id);
  const undecided = ranked.length - shortlisted.length - eliminated.length;
  const next_step = !ranked.length
    ? 'Plan a branch set from the root mission.'
    : shortlist.length || eliminate.length
      ? `Review ${shortlist.length} shortlist and ${eliminate.length} elimination suggestion${shortlist.length + eliminate.length === 1 ? '' : 's'}.`
      : undecided && ranked.some((b) => !b.terminal)
        ? `Wait for ${ranked.filter((b) => !b.terminal).length} unfinished branch${ranked.filter((b) => !b.terminal).length === 1 ? '' : 'es'}, then decide.`
        : shortlisted.length
          ? `Compare the ${shortlisted.length} shortlisted branch${shortlisted.length === 1 ? '' : 'es'} and pick one.`
          : undecided
            ? `Decide on ${undecided} branch${undecided === 1 ? '' : 'es'}.`
            : 'Every branch is decided.';
  return {
    ok: true,
    root_run_id: root.id,
    root_mission_title: root.mission_title,
    total_branches: ranked.length,
    decided: shortlisted.length + eliminated.length,
    undecided,
    shortlisted_count: shortlisted.length,
    eliminated_count: eliminated.length,
    shortlisted: shortlisted.map((b) => decided(b, byId)),
    eliminated: eliminated.map((b) => decided(b, byId)),
    branch_sets: sets,
    decision_events: {
      total: counts.reduce((n, c) => n + c.n, 0),
      by_type: Object.fromEntries(counts.map((c) => [c.type, c.n])),
      latest: sql.latestDecisions(root.id, 20),
    },
    pending_suggestions: { shortlist: shortlist.length, eliminate: eliminate.length },
    next_step,
    interpretation_note: INTERPRETATION_NOTE,
    heuristic: true,
  };
}

export const missionsPortfolioServices: readonly Implementation[] = [
  implement(P.portfolio, (p, ctx) => runPortfolio(ctx, p.run_id, p.branch_set_id, p.limit)),
  implement(P.lineagePortfolio, (p, ctx) => lineagePortfolio(ctx, p.root_run_id, p.limit)),
  implement(P.decisionSummary, (p, ctx) => decisionSummary(ctx, p.root_run_id)),
];
