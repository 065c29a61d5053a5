// Mission portfolio and decision summary (http-api.md "branch sets", wire-shapes.md "Portfolio routes"): the
// branches of a root (or of one branch set) ranked by a heuristic rank score whose every point is explained,
// shortlist / elimination suggestions with their reasons, and the operator's decisions so far. All heuristic:
// operator aids, not objective truth — every answer carries an interpretation note saying so.
import { z } from 'zod';
import { defineMethod, zInt } from './define';
import { loose } from './wire/common';

const Id = z.string().trim().min(1).max(200);
const Level = z.enum(['low', 'medium', 'high']);
const Count = z.number().int();

export const RankFactor = z.object({ factor: z.string(), points: z.number() });

/** One branch as the portfolio shows it: the narrow columns, its rank and why. */
export const PortfolioBranch = z.object({
  run_id: z.string(),
  rank: Count,
  parent_run_id: z.string().nullable(),
  lineage_depth: Count,
  created_at: z.string(),
  mission_title: z.string(),
  status: z.string(),
  legacy_status: z.string(),
  terminal: z.boolean(),
  branch_set_id: z.string().nullable(),
  branch_label: z.string().nullable(),
  /** The preset the branch was made with (`branch_strategy` in the earlier product's records). */
  strategy: z.string().nullable(),
  branch_strategy: z.string().nullable(),
  persona: z.string(),
  persona_overlay: z.string().nullable(),
  mission_score: Count,
  confidence_level: Level,
  risk_signal: Level,
  pr_url: z.string().nullable(),
  has_pr: z.boolean(),
  /** Earlier vocabulary (not_written | written | failed); ours is writeback_state. */
  writeback_status: z.string(),
  writeback_state: z.string(),
  decision_status: z.enum(['undecided', 'shortlisted', 'eliminated']),
  shortlisted: z.boolean(),
  eliminated: z.boolean(),
  decision_note: z.string().nullable(),
  heuristic_rank_score: Count,
  rank_factors: z.array(RankFactor),
});
export type PortfolioBranch = z.infer<typeof PortfolioBranch>;

export const RankingEntry = z.object({
  rank: Count,
  run_id: z.string(),
  branch_label: z.string().nullable(),
  strategy: z.string().nullable(),
  persona: z.string(),
  heuristic_rank_score: Count,
  /** The score as a sum, e.g. "72 mission score - 25 high risk + 10 succeeded = 57" (ASCII). */
  explanation: z.string(),
});

export const Suggestion = z.object({
  run_id: z.string(),
  branch_label: z.string().nullable(),
  strategy: z.string().nullable(),
  heuristic_rank_score: Count,
  reason: z.string(),
});
export type Suggestion = z.infer<typeof Suggestion>;

export const PortfolioResult = z.object({
  ok: z.boolean(),
  root_run_id: z.string(),
  /** The set this portfolio is limited to; null for a whole lineage. */
  branch_set_id: z.string().nullable(),
  set_label: z.string().nullable(),
  total_branches: Count,
  branches: z.array(PortfolioBranch),
  ranking_summary: z.array(RankingEntry),
  /** How the rank score is made (the weights), in words. */
  ranking_explanation: z.string(),
  shortlist_suggestions: z.array(Suggestion),
  elimination_suggestions: z.array(Suggestion),
  interpretation_note: z.string(),
  heuristic: z.literal(true),
});
export type PortfolioResult = z.infer<typeof PortfolioResult>;

const PortfolioWire = loose({
  root_run_id: z.string(),
  branch_set_id: z.string().nullable(),
  branches: z.array(loose({ run_id: z.string() })),
  ranking_summary: z.array(
    loose({
      run_id: z.string(),
      branch_label: z.string().nullable(),
      strategy: z.string().nullable(),
      persona: z.string(),
      heuristic_rank_score: z.number(),
    }),
  ),
  shortlist_suggestions: z.array(z.unknown()),
  elimination_suggestions: z.array(z.unknown()),
  interpretation_note: z.string(),
});

/**
 * The best `limit` branches by rank are listed (default 200): every branch is still ranked, counted and considered
 * for the suggestions. A 1k-branch lineage listed in full is ~0.7 MB of JSON per click; a page is what a person reads.
 */
const Limit = zInt.pipe(z.number().int().min(1).max(5000)).default(200);

export const portfolio = defineMethod({
  method: 'agentora/missions/portfolio',
  scope: 'agent',
  description:
    "A mission's portfolio: the branches of its branch set (branch_set_id, or the mission's own set), or of its whole lineage when it is in none — ranked by a heuristic rank score with every point explained, with shortlist / elimination suggestions. Heuristic operator aids.",
  params: z.object({ run_id: Id, branch_set_id: Id.optional(), limit: Limit }),
  result: PortfolioResult,
  rest: { verb: 'GET', path: '/api/integrations/runs/:run_id/portfolio', wire: { schema: PortfolioWire } },
  readOnly: true,
});

export const lineagePortfolio = defineMethod({
  method: 'agentora/missions/lineagePortfolio',
  scope: 'agent',
  description:
    'The portfolio of a whole lineage: every descendant of the root ranked by a heuristic rank score with every point explained, with shortlist / elimination suggestions. Heuristic operator aids.',
  params: z.object({ root_run_id: Id, limit: Limit }),
  result: PortfolioResult,
  rest: { verb: 'GET', path: '/api/integrations/lineage/:root_run_id/portfolio', wire: { schema: PortfolioWire } },
  readOnly: true,
});

export const DecidedBranch = z.object({
  run_id: z.string(),
  branch_label: z.string().nullable(),
  strategy: z.string().nullable(),
  heuristic_rank_score: Count,
  decision_note: z.string().nullable(),
  decided_at: z.string().nullable(),
});

export const BranchSetSummary = z.object({
  branch_set_id: z.string(),
  set_label: z.string(),
  source_run_id: z.string(),
  created_at: z.string(),
  total: Count,
  terminal: Count,
  shortlisted: Count,
  eliminated: Count,
  undecided: Count,
  best_run_id: z.string().nullable(),
  best_heuristic_rank_score: Count.nullable(),
});

export const DecisionSummaryResult = z.object({
  ok: z.boolean(),
  root_run_id: z.string(),
  root_mission_title: z.string(),
  total_branches: Count,
  decided: Count,
  undecided: Count,
  shortlisted_count: Count,
  eliminated_count: Count,
  shortlisted: z.array(DecidedBranch),
  eliminated: z.array(DecidedBranch),
  branch_sets: z.array(BranchSetSummary),
  decision_events: z.object({
    total: Count,
    by_type: z.record(z.string(), Count),
    latest: z.array(
      z.object({ id: Count, run_id: z.string().nullable(), type: z.string(), actor: z.string(), note: z.string(), created_at: z.string() }),
    ),
  }),
  pending_suggestions: z.object({ shortlist: Count, eliminate: Count }),
  /** What the operator could do next, in one sentence. */
  next_step: z.string(),
  interpretation_note: z.string(),
  heuristic: z.literal(true),
});
export type DecisionSummaryResult = z.infer<typeof DecisionSummaryResult>;

export const decisionSummary = defineMethod({
  method: 'agentora/missions/decisionSummary',
  scope: 'agent',
  description:
    "The operator's decisions across a lineage: what is shortlisted / eliminated (with notes), each branch set's tally and best branch, the decision events by type, and what is still undecided.",
  params: z.object({ root_run_id: Id }),
  result: DecisionSummaryResult,
  rest: {
    verb: 'GET',
    path: '/api/integrations/lineage/:root_run_id/decision-summary',
    wire: {
      schema: loose({
        root_run_id: z.string(),
        total_branches: Count,
        shortlisted: z.array(loose({ run_id: z.string() })),
        eliminated: z.array(loose({ run_id: z.string() })),
        branch_sets: z.array(loose({ branch_set_id: z.string() })),
        interpretation_note: z.string(),
      }),
    },
  },
  readOnly: true,
});

export const missionsPortfolioMethods = [portfolio, lineagePortfolio, decisionSummary] as const;
