// Explainable heuristic recommendations for the branches of a lineage (brief phase K). Each says what it
// recommends (shortlist / eliminate / hold), the reason codes, the signals and supporting metrics it used, the
// basis of its confidence, and whether the persona policy would block acting on it (and by which rule).
// Operator aids, not verdicts: the note says so, and nothing is applied without the operator.
import type { ServerContext } from '../../../context';
import type { Recommendation } from '../../../protocol/missionsPersonas';
import type { MissionRow } from '../store';
import { check, effectivePolicy } from './policy';
import { PERSONA_RANK_SQL } from '../../../store/migrations/missionsPersonas';

export type BranchRow = Pick<
  MissionRow,
  | 'id'
  | 'parent_mission_id'
  | 'root_mission_id'
  | 'created_at'
  | 'branch_set_id'
  | 'branch_label'
  | 'strategy'
  | 'persona_id'
  | 'persona_overlay'
  | 'persona_assignment_reason'
  | 'status'
  | 'mission_score'
  | 'confidence_level'
  | 'risk_level'
  | 'pr_url'
  | 'decision_state'
  | 'recommendation_state'
  | 'operator_override_status'
  | 'operator_override_note'
  | 'mock'
> & {
  /** The packet's persona name (PERSONA_NAME_SQL): SQLite reads it, a branch row never carries the packet. */
  persona_name: string;
};

/**
 * personaNameOf in SQL: the packet's `persona.name` when it is a non-empty string, else the persona id (also for
 * a damaged packet). A branch row then carries one short string instead of the whole packet (kilobytes per real
 * mission) parsed in JS per branch. A unit test checks that it agrees with personaNameOf.
 */
export const PERSONA_NAME_SQL = `CASE WHEN json_valid(packet_json) AND json_type(packet_json, '$.persona.name') = 'text'
  AND json_extract(packet_json, '$.persona.name') != '' THEN json_extract(packet_json, '$.persona.name') ELSE persona_id END`;

export const COLS = `id, parent_mission_id, root_mission_id, created_at, branch_set_id, branch_label, strategy, persona_id, persona_overlay,
  persona_assignment_reason, status, mission_score, confidence_level, risk_level, pr_url, decision_state, recommendation_state,
  operator_override_status, operator_override_note, mock, ${PERSONA_NAME_SQL} AS persona_name`;

/** The branches a recommendation compares: the root's descendants (or the root alone while it has none). */
export function branchesOf(ctx: ServerContext, rootId: string): BranchRow[] {
  const rows = ctx.db.prepare(`SELECT ${COLS} FROM missions WHERE root_mission_id = ? ORDER BY created_at, id`).all(rootId) as BranchRow[];
  const branches = rows.filter((r) => r.id !== rootId);
  return branches.length ? branches : rows;
}

const FAILED = ['failed', 'cancelled', 'launch_failed'];

export function rankScore(r: Pick<BranchRow, 'mission_score' | 'pr_url' | 'risk_level' | 'status'>): number {
  let s = r.mission_score;
  if (r.pr_url) s += 10;
  if (r.risk_level === 'high') s -= 25;
  else if (r.risk_level === 'medium') s -= 10;
  if (r.status === 'succeeded') s += 10;
  if (FAILED.includes(r.status)) s -= 30;
  return Math.round(s * 10) / 10;
}

/**
 * rankScore in SQL (same terms, same order), so a lineage is ranked and paged by the database — by the index of
 * migration 47, whose expression this is (a unit test checks that the two agree with rankScore's terms).
 */
export const RANK_SQL = PERSONA_RANK_SQL;

/** What a recommendation compares a branch with: all its lineage's branches (also those outside a page). */
export interface LineageStats {
  count: number;
  succeeded: number;
  /** The best rank score among the succeeded branches (null: none succeeded). */
  top: number | null;
}

/** What a recommendation reads of a branch (a MissionRow fits too). */
export type RecommendInput = Omit<BranchRow, 'persona_name'>;

/**
 * Recommendations for every branch, compared with each other (or with the whole lineage when stats are given).
 * policyOn: whether the lineage's policy is on, when the caller already read it (else read here, once).
 */
export function recommend(ctx: ServerContext, branches: RecommendInput[], stats?: LineageStats, policyOn?: boolean): Map<string, Recommendation> {
  const ranks = new Map(branches.map((b) => [b.id, rankScore(b)]));
  const succeededCount = stats ? stats.succeeded : branches.filter((b) => b.status === 'succeeded').length;
  const count = stats ? stats.count : branches.length;
  let top = stats ? stats.top : null;
  if (!stats) for (const b of branches) if (b.status === 'succeeded' && (top === null || ranks.get(b.id)! > top)) top = ranks.get(b.id)!;
  // The policy is the lineage's: asked once, and per branch only when it is on.
  const policyChecked = branches.length > 0 && (policyOn ?? effectivePolicy(ctx, branches[0]!.root_mission_id).policy.enabled);
  const out = new Map<string, Recommendation>();
  for (const b of branches) {
    const rank = ranks.get(b.id)!;
    const codes: string[] = [];
    let action: Recommendation['action'];
    if (FAILED.includes(b.status)) {
      action = 'eliminate';
      codes.push('terminal_failure');
    } else if (b.status !== 'succeeded') {
      action = 'hold';
      codes.push('not_finished');
    } else if (rank === top) {
      action = 'shortlist';
      codes.push('top_ranked');
    } else if (top !== null && rank >= top - 10) {
      action = 'shortlist';
      codes.push('close_to_top');
    } else if (rank < 30) {
      action = 'eliminate';
      codes.push('low_score');
    } else {
      action = 'hold';
      codes.push('middle_of_pack');
    }
    codes.push(b.pr_url ? 'pr_present' : 'no_pr', `risk_${b.risk_level}`, `confidence_${b.confidence_level}`);
    // Would acting on it be blocked? (accepting a shortlist shortlists; accepting the others changes less.)
    const verdict = action === 'shortlist' && policyChecked ? check(ctx, b, 'accept_recommendation') : { allowed: true, rule: null };
    out.set(b.id, {
      action,
      reason_codes: codes,
      signals: {
        status: b.status,
        mission_score: b.mission_score,
        risk_level: b.risk_level,
        confidence_level: b.confidence_level,
        pr_present: !!b.pr_url,
        strategy: b.strategy,
        overlay: b.persona_overlay,
      },
      supporting_metrics: {
        heuristic_rank_score: rank,
        top_rank_score: top,
        sibling_count: count - 1,
        succeeded_siblings: succeededCount - (b.status === 'succeeded' ? 1 : 0),
      },
      confidence_basis: `compared with ${count - 1} sibling branch(es); mission confidence ${b.confidence_level}${b.mock ? '; mock mission (not a real outcome)' : ''}`,
      heuristic_rank_score: rank,
      policy_blocked: !verdict.allowed,
      blocked_rules: verdict.rule ? [verdict.rule] : [],
      note: 'Heuristic operator aid, not a verdict: review the branch before acting on it.',
    });
  }
  return out;
}

export function personaNameOf(r: Pick<MissionRow, 'packet_json' | 'persona_id'>): string {
  try {
    const p = (JSON.parse(r.packet_json) as { persona?: { name?: unknown } }).persona;
    return typeof p?.name === 'string' && p.name ? p.name : r.persona_id;
  } catch {
    return r.persona_id;
  }
}

/** The recommendation of one mission among its lineage's branches. */
export function recommendationFor(ctx: ServerContext, row: MissionRow): Recommendation {
  const branches = branchesOf(ctx, row.root_mission_id);
  const set = branches.some((b) => b.id === row.id) ? branches : [...branches, row];
  return recommend(ctx, set).get(row.id)!;
}
