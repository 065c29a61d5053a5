// Mission pattern memory (http-api.md "pattern memory"; brief phase L): candidate patterns derived from history
// (persona × strategy outcomes per repo and across repos, with their supporting runs), persisted so the operator
// can promote, reject or archive them (with a note and a decision event); promoted patterns become memories and
// feed suggestions for new missions, replays and branch sets — which are shown with their evidence and never
// applied without the operator.
import { z } from 'zod';
import { defineMethod, pagination, zBool } from './define';
import { DecisionEvent } from './missionsAudit';
import { loose } from './wire/common';

export const PatternStatus = z.enum(['candidate', 'promoted', 'rejected', 'archived']);
export const Pattern = z.object({
  id: z.number().int(),
  pattern_type: z.enum(['persona_strategy_repo', 'persona_strategy']),
  pattern_key: z.string(),
  repo_scope: z.string(),
  persona_scope: z.string(),
  strategy_scope: z.string(),
  source_run_count: z.number().int(),
  supporting_run_ids: z.array(z.string()),
  evidence_summary: z.string(),
  average_score: z.number(),
  /** 0 (all low risk) … 2 (all high risk). */
  average_risk: z.number(),
  pr_rate: z.number(),
  writeback_success_rate: z.number().nullable(),
  override_rate: z.number(),
  success_rate: z.number().nullable(),
  confidence_level: z.enum(['low', 'medium', 'high']),
  status: PatternStatus,
  promoted_by_operator: z.boolean(),
  promotion_note: z.string(),
  archived: z.boolean(),
  memory_id: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Pattern = z.infer<typeof Pattern>;

const PatternWire = loose({
  id: z.number(),
  pattern_type: z.string(),
  pattern_key: z.string(),
  repo_scope: z.string(),
  persona_scope: z.string(),
  strategy_scope: z.string(),
  source_run_count: z.number(),
  supporting_run_ids: z.array(z.string()),
  evidence_summary: z.string(),
  average_score: z.number(),
  average_risk: z.number(),
  pr_rate: z.number(),
  writeback_success_rate: z.number().nullable(),
  override_rate: z.number(),
  confidence_level: z.string(),
  promoted_by_operator: z.boolean(),
  promotion_note: z.string(),
  archived: z.boolean(),
});
/** How current the persisted patterns are: derivation is a background task, a read never waits for it. */
const Derived = z.object({
  generation: z.number().int(),
  derived_generation: z.number().int().nullable(),
  current: z.boolean(),
  pending: z.boolean(),
  groups: z.number().int(),
  ms: z.number(),
  derived_at: z.string().nullable(),
  error: z.string().nullable(),
});

export const patterns = defineMethod({
  method: 'agentora/missions/patterns',
  scope: 'agent',
  readOnly: true,
  description:
    'Mission patterns (derived from history, then promoted / rejected / archived by the operator), filtered by repo, persona, strategy, status.',
  params: z
    .object({
      repo: z.string().trim().min(1).max(200).optional(),
      persona: z.string().trim().min(1).max(200).optional(),
      strategy: z.string().trim().min(1).max(100).optional(),
      status: PatternStatus.optional(),
      promoted_only: zBool.default(false),
      /** false (default): archived patterns are left out; true: only archived ones. */
      archived: zBool.default(false),
      ...pagination(100, 500),
    })
    .default({ promoted_only: false, archived: false, limit: 100, offset: 0 }),
  result: z.object({ ok: z.boolean(), total: z.number().int(), patterns: z.array(Pattern), derived: Derived }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/memory/patterns',
    wire: { schema: loose({ patterns: z.array(PatternWire) }), headers: (r: { total: number }) => ({ 'X-Total-Count': String(r.total) }) },
  },
});

export const candidates = defineMethod({
  method: 'agentora/missions/patternCandidates',
  scope: 'agent',
  readOnly: true,
  description:
    'Candidate patterns (not yet decided by the operator), derived from the finished missions in the background when missions changed (`derived` says how current they are; the read never waits).',
  params: z.object(pagination(100, 500)).default({ limit: 100, offset: 0 }),
  result: z.object({ ok: z.boolean(), total: z.number().int(), patterns: z.array(Pattern), derived: Derived }),
  rest: { verb: 'GET', path: '/api/integrations/memory/patterns/candidates', wire: { schema: loose({ patterns: z.array(PatternWire) }) } },
});

const DecideParams = z.object({ pattern_id: z.coerce.number().int().min(1), note: z.string().trim().max(2000).default('') });
const DecideResult = z.object({
  ok: z.boolean(),
  pattern: Pattern,
  memory_id: z.number().int().nullable(),
  decision_event: DecisionEvent.nullable(),
});
const decideRest = (verb: string) => ({
  verb: 'POST' as const,
  path: `/api/integrations/memory/patterns/:pattern_id/${verb}`,
  wire: { schema: loose({ ok: z.boolean(), pattern: PatternWire }) },
});
export const promotePattern = defineMethod({
  method: 'agentora/missions/promotePattern',
  description:
    'Promote a pattern (the operator vouches for it): it becomes a memory (source mission) and feeds suggestions. Recorded as a decision event.',
  params: DecideParams,
  result: DecideResult,
  rest: decideRest('promote'),
});
export const rejectPattern = defineMethod({
  method: 'agentora/missions/rejectPattern',
  description: 'Reject a pattern: it no longer feeds suggestions (its memory, if promoted before, is archived). Recorded as a decision event.',
  params: DecideParams,
  result: DecideResult,
  rest: decideRest('reject'),
});
export const archivePattern = defineMethod({
  method: 'agentora/missions/archivePattern',
  description: 'Archive a pattern (kept for the record, out of lists and suggestions). Recorded as a decision event.',
  params: DecideParams,
  result: DecideResult,
  rest: decideRest('archive'),
});

const Rollup = z.object({
  key: z.string(),
  patterns: z.number().int(),
  promoted: z.number().int(),
  source_run_count: z.number().int(),
  average_score: z.number().nullable(),
  pr_rate: z.number().nullable(),
});
export const summaries = defineMethod({
  method: 'agentora/missions/patternSummaries',
  scope: 'agent',
  readOnly: true,
  description: 'Pattern memory rolled up by persona and by strategy (candidates and promoted), with the promoted patterns.',
  params: z.object({}).default({}),
  result: z.object({
    ok: z.boolean(),
    by_persona: z.array(Rollup),
    by_strategy: z.array(Rollup),
    promoted: z.array(Pattern),
    notes: z.array(z.string()),
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/memory/summaries',
    wire: { schema: loose({ by_persona: z.array(loose({ key: z.string() })), promoted: z.array(PatternWire) }) },
  },
});

export const crossRepo = defineMethod({
  method: 'agentora/missions/patternsCrossRepo',
  scope: 'agent',
  readOnly: true,
  description:
    'Persona × strategy outcomes across repos: how many repos, runs, score, PR rate, low-risk and recovery evidence (recurring = seen in 2+ repos).',
  params: z.object({}).default({}),
  result: z.object({
    ok: z.boolean(),
    items: z.array(
      z.object({
        persona_scope: z.string(),
        strategy_scope: z.string(),
        repo_count: z.number().int(),
        repos: z.array(z.string()),
        source_run_count: z.number().int(),
        average_score: z.number(),
        pr_rate: z.number(),
        low_risk: z.boolean(),
        recovery_evidence: z.boolean(),
        recurring: z.boolean(),
      }),
    ),
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/memory/summaries/cross-repo',
    wire: { schema: loose({ items: z.array(loose({ persona_scope: z.string(), strategy_scope: z.string() })) }) },
  },
});

export const Suggestion = z.object({
  kind: z.enum(['new-mission', 'replay', 'branch-set']),
  pattern_id: z.number().int(),
  persona_id: z.string(),
  strategy: z.string(),
  overlay: z.string().nullable(),
  rationale: z.string(),
  evidence: z.object({
    pattern_key: z.string(),
    repo_scope: z.string(),
    source_run_count: z.number().int(),
    supporting_run_ids: z.array(z.string()),
    average_score: z.number(),
    pr_rate: z.number(),
    writeback_success_rate: z.number().nullable(),
    confidence_level: z.string(),
    promotion_note: z.string(),
  }),
  /** Always false: a suggestion is applied only by the operator (e.g. by creating the branch set it proposes). */
  applied: z.literal(false),
  requires_operator_approval: z.literal(true),
});
const SuggestResult = z.object({
  ok: z.boolean(),
  kind: z.string(),
  filters: z.record(z.string(), z.string()),
  suggestions: z.array(Suggestion),
  /** branch-set: the specs a persona-branch-set call would take (the operator sends it, or not). */
  proposed_specs: z.array(z.object({ persona_id: z.string(), overlay: z.string(), preset: z.string() })).optional(),
  note: z.string(),
});
const SuggestWire = loose({ suggestions: z.array(loose({ pattern_id: z.number(), applied: z.boolean() })) });
export const suggestNewMission = defineMethod({
  method: 'agentora/missions/suggestNewMission',
  scope: 'agent',
  readOnly: true,
  description:
    'Suggestions for a new mission (persona and strategy) from promoted patterns of the repo (or across repos), with their evidence. Never applied automatically.',
  params: z
    .object({
      repo: z.string().trim().min(1).max(200).optional(),
      persona_id: z.string().trim().min(1).max(200).optional(),
      strategy: z.string().trim().min(1).max(100).optional(),
    })
    .default({}),
  result: SuggestResult,
  rest: { verb: 'GET', path: '/api/integrations/memory/suggestions/new-mission', wire: { schema: SuggestWire } },
});
export const suggestReplay = defineMethod({
  method: 'agentora/missions/suggestReplay',
  scope: 'agent',
  readOnly: true,
  description: 'Suggestions for replaying a mission (a persona / strategy that did better on its repo), with evidence. Never applied automatically.',
  params: z.object({ run_id: z.string().trim().min(1).max(200) }),
  result: SuggestResult,
  rest: { verb: 'GET', path: '/api/integrations/memory/suggestions/replay', wire: { schema: SuggestWire } },
});
export const suggestBranchSet = defineMethod({
  method: 'agentora/missions/suggestBranchSet',
  scope: 'agent',
  readOnly: true,
  description:
    'A persona branch set proposed from promoted patterns for a mission (specs the operator may send to persona-branch-set), with evidence. Never applied automatically.',
  params: z.object({ run_id: z.string().trim().min(1).max(200) }),
  result: SuggestResult,
  rest: { verb: 'GET', path: '/api/integrations/memory/suggestions/branch-set', wire: { schema: SuggestWire } },
});

/** One door to the three kinds (the MCP tool get_suggestions): new-mission takes repo / persona / strategy, the others run_id. */
export const suggestions = defineMethod({
  method: 'agentora/missions/suggestions',
  scope: 'agent',
  readOnly: true,
  description:
    'Suggestions from promoted mission patterns: kind new-mission (repo, persona_id, strategy), replay or branch-set (run_id). Each shows its evidence; none is ever applied automatically.',
  params: z.object({
    kind: z.enum(['new-mission', 'replay', 'branch-set']),
    run_id: z.string().trim().min(1).max(200).optional(),
    repo: z.string().trim().min(1).max(200).optional(),
    persona_id: z.string().trim().min(1).max(200).optional(),
    strategy: z.string().trim().min(1).max(100).optional(),
  }),
  result: SuggestResult,
});

export const missionsPatternMethods = [
  suggestions,
  patterns,
  candidates,
  promotePattern,
  rejectPattern,
  archivePattern,
  summaries,
  crossRepo,
  suggestNewMission,
  suggestReplay,
  suggestBranchSet,
] as const;
