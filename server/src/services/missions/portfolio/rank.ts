// The portfolio's heuristic rank score and suggestions: pure functions over one branch's narrow columns.
// The score starts from the mission score (itself heuristic, AGENTORA_MISSIONS_SCORE_*) and adds or takes points
// for risk, outcome, PR and writeback; every point is listed as a factor so the UI and scripts can show why a
// branch ranks where it does. The operator's own decisions never move the score (a ranking that followed the
// shortlist would only echo it back); they only take decided branches out of the suggestions.
import type { PortfolioBranch, Suggestion } from '../../../protocol/missionsPortfolio';
import { LEGACY_STATUS, LEGACY_WRITEBACK } from '../../../protocol/wire/missions';
import type { MissionStatus, WritebackStatus } from '../../../protocol/missions';
import { isTerminal } from '../stateMachine';

/** One branch as the covering index gives it (store/migrations/missionsBranchSet.ts PORTFOLIO_COLUMNS). */
export interface BranchRow {
  id: string;
  branch_set_id: string | null;
  parent_mission_id: string | null;
  lineage_depth: number;
  created_at: string;
  status: MissionStatus;
  mission_score: number;
  confidence_level: 'low' | 'medium' | 'high';
  risk_level: 'low' | 'medium' | 'high';
  writeback_status: WritebackStatus;
  decision_state: string;
  strategy: string | null;
  branch_label: string | null;
  persona_id: string;
  persona_overlay: string | null;
  pr_url: string | null;
  mission_title: string;
  decision_note: string | null;
}

export const RANK_POINTS = {
  risk: { low: 0, medium: -10, high: -25 },
  outcome: { succeeded: 10, failed: -20, cancelled: -15, launch_failed: -20 } as Partial<Record<MissionStatus, number>>,
  pr: 5,
  writeback: { succeeded: 5, failed: -5 } as Partial<Record<WritebackStatus, number>>,
};

export const RANKING_EXPLANATION =
  `heuristic_rank_score = mission score (0-100, heuristic) ` +
  `${RANK_POINTS.risk.medium} for medium risk / ${RANK_POINTS.risk.high} for high risk, ` +
  `+${RANK_POINTS.outcome.succeeded} succeeded / ${RANK_POINTS.outcome.failed} failed / ${RANK_POINTS.outcome.cancelled} cancelled / ${RANK_POINTS.outcome.launch_failed} launch failed, ` +
  `+${RANK_POINTS.pr} with a PR, +${RANK_POINTS.writeback.succeeded} written back / ${RANK_POINTS.writeback.failed} writeback failed; clamped to 0-100. ` +
  `Ties: older branch first. Shortlist / eliminate decisions do not change the score.`;

export const INTERPRETATION_NOTE =
  'Portfolio ranking and suggestions are heuristic operator aids, not objective truth: validate them against provenance, risk and mission intent before shortlisting or eliminating.';

/** Shortlist: finished well, not high risk, rank at least this. Eliminate: failed, or finished with high risk or a rank below the floor. */
export const SHORTLIST_MIN_RANK = 60;
export const ELIMINATE_BELOW_RANK = 35;

export function rankFactors(b: BranchRow): PortfolioBranch['rank_factors'] {
  const f: PortfolioBranch['rank_factors'] = [{ factor: 'mission score', points: Math.round(b.mission_score) }];
  const risk = RANK_POINTS.risk[b.risk_level] ?? 0;
  if (risk) f.push({ factor: `${b.risk_level} risk`, points: risk });
  const outcome = RANK_POINTS.outcome[b.status];
  if (outcome) f.push({ factor: b.status.replace('_', ' '), points: outcome });
  if (b.pr_url) f.push({ factor: 'PR opened', points: RANK_POINTS.pr });
  const wb = RANK_POINTS.writeback[b.writeback_status];
  if (wb) f.push({ factor: wb > 0 ? 'written back' : 'writeback failed', points: wb });
  return f;
}

export const rankScore = (factors: PortfolioBranch['rank_factors']) =>
  Math.max(0, Math.min(100, Math.round(factors.reduce((s, x) => s + x.points, 0))));

export function explain(factors: PortfolioBranch['rank_factors'], score: number): string {
  const [first, ...rest] = factors;
  // ASCII on purpose: one character above U+00FF makes V8 build the whole answer as a two-byte string, and
  // serializing and encoding a 100 KB portfolio then costs about 0.3 ms more (measured in session 11).
  const sum = rest.map((x) => `${x.points < 0 ? '-' : '+'} ${Math.abs(x.points)} ${x.factor}`).join(' ');
  const raw = factors.reduce((s, x) => s + x.points, 0);
  return `${first!.points} ${first!.factor}${sum ? ' ' + sum : ''} = ${score}${raw !== score ? ' (clamped)' : ''}`;
}

const DECISIONS = ['shortlisted', 'eliminated'] as const;

export function toBranch(b: BranchRow, rank: number): PortfolioBranch {
  const factors = rankFactors(b);
  const decision = (DECISIONS as readonly string[]).includes(b.decision_state) ? (b.decision_state as 'shortlisted' | 'eliminated') : 'undecided';
  return {
    run_id: b.id,
    rank,
    parent_run_id: b.parent_mission_id,
    lineage_depth: b.lineage_depth,
    created_at: b.created_at,
    mission_title: b.mission_title,
    status: b.status,
    legacy_status: LEGACY_STATUS[b.status] ?? b.status,
    terminal: isTerminal(b.status),
    branch_set_id: b.branch_set_id,
    branch_label: b.branch_label,
    strategy: b.strategy,
    branch_strategy: b.strategy,
    persona: b.persona_id,
    persona_overlay: b.persona_overlay,
    mission_score: Math.max(0, Math.min(100, Math.round(b.mission_score))),
    confidence_level: b.confidence_level,
    risk_signal: b.risk_level,
    pr_url: b.pr_url,
    has_pr: b.pr_url !== null,
    writeback_status: LEGACY_WRITEBACK[b.writeback_status] ?? b.writeback_status,
    writeback_state: b.writeback_status,
    decision_status: decision,
    shortlisted: decision === 'shortlisted',
    eliminated: decision === 'eliminated',
    decision_note: b.decision_note,
    heuristic_rank_score: rankScore(factors),
    rank_factors: factors,
  };
}

/** Rank rows: highest score first, then older first, then id (deterministic). */
export function rankBranches(rows: BranchRow[]): PortfolioBranch[] {
  const scored = rows.map((r) => toBranch(r, 0));
  scored.sort(
    (a, b) =>
      b.heuristic_rank_score - a.heuristic_rank_score ||
      (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0) ||
      (a.run_id < b.run_id ? -1 : 1),
  );
  scored.forEach((b, i) => (b.rank = i + 1));
  return scored;
}

const suggestion = (b: PortfolioBranch, reason: string): Suggestion => ({
  run_id: b.run_id,
  branch_label: b.branch_label,
  strategy: b.strategy,
  heuristic_rank_score: b.heuristic_rank_score,
  reason,
});

/** Suggestions over undecided branches only, in rank order (best shortlist first, worst elimination first). */
export function suggest(ranked: PortfolioBranch[]): { shortlist: Suggestion[]; eliminate: Suggestion[] } {
  const undecided = ranked.filter((b) => b.decision_status === 'undecided');
  const shortlist = undecided
    .filter((b) => b.status === 'succeeded' && b.risk_signal !== 'high' && b.heuristic_rank_score >= SHORTLIST_MIN_RANK)
    .map((b) =>
      suggestion(
        b,
        `succeeded with ${b.risk_signal} risk${b.has_pr ? ' and a PR' : ''}; rank score ${b.heuristic_rank_score} >= ${SHORTLIST_MIN_RANK} (#${b.rank} of ${ranked.length})`,
      ),
    );
  const eliminate: Suggestion[] = [];
  for (const b of [...undecided].reverse()) {
    if (['failed', 'cancelled', 'launch_failed'].includes(b.status))
      eliminate.push(suggestion(b, `${b.status.replace('_', ' ')}: no usable outcome`));
    else if (b.terminal && b.risk_signal === 'high') eliminate.push(suggestion(b, 'finished with high risk'));
    else if (b.terminal && b.heuristic_rank_score < ELIMINATE_BELOW_RANK)
      eliminate.push(suggestion(b, `finished with rank score ${b.heuristic_rank_score} < ${ELIMINATE_BELOW_RANK}`));
  }
  return { shortlist, eliminate };
}
