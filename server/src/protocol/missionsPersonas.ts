// Mission personas (http-api.md "personas"; brief phase I): the persona catalogue (PhiOS merged over the local
// fallback, labelled by source), the persona strategy overlays, persona branch sets (each spec's overlay really
// applies: preset, objective tone, fork reason), the persona portfolio / summary / insights of a lineage with
// explainable heuristic recommendations, and the operator's override of those recommendations.
import { z } from 'zod';
import { defineMethod, NoParams, pagination, zBool } from './define';
import { Mission } from './missions';
import { BranchPreset } from './missionsBranchSets';
import * as W from './wire/missions';
import { loose } from './wire/common';

export const OverlayName = z.enum([
  'skeptic_reviewer',
  'architect_refactorer',
  'conservative_stabilizer',
  'rapid_builder',
  'recovery_operator',
  'minimal_change_guardian',
  'exploratory_innovator',
]);
export type OverlayName = z.infer<typeof OverlayName>;

export const PersonaOverlay = z.object({
  overlay: OverlayName,
  label: z.string(),
  description: z.string(),
  /** Used when a spec names no preset. */
  preferred_preset: BranchPreset,
  /** Added to the branch's objective. */
  objective_tone: z.string(),
  risk_posture: z.enum(['averse', 'cautious', 'tolerant', 'seeking']),
  /** The branch's fork reason when the spec gives no assignment reason. */
  fork_reason: z.string(),
  added_constraints: z.array(z.string()),
});
export type PersonaOverlay = z.infer<typeof PersonaOverlay>;

export const CatalogPersona = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  style: z.string(),
  goals: z.array(z.string()),
  constraints: z.array(z.string()),
  /** The overlay this persona works with by default (local catalogue), if any. */
  overlay: z.string().nullable(),
  /** Where this entry came from: PhiOS, the mock PhiOS, or Agentora's local fallback. */
  source: z.enum(['phios', 'mock', 'local']),
  sources: z.array(z.string()),
});
export type CatalogPersona = z.infer<typeof CatalogPersona>;

const Id = z.string().trim().min(1).max(200);
const Note = z.string().trim().max(2000);

export const personas = defineMethod({
  method: 'agentora/missions/personas',
  scope: 'agent',
  readOnly: true,
  description:
    "The persona catalogue: PhiOS's personas (when PhiOS or its mock is the bridge) merged over Agentora's local ones, each labelled by source.",
  params: NoParams,
  result: z.object({
    ok: z.boolean(),
    personas: z.array(CatalogPersona),
    phios: z.object({ source: z.string().nullable(), error: z.string().nullable() }),
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/personas',
    wire: { schema: loose({ personas: z.array(loose({ id: z.string(), name: z.string(), source: z.string() })) }) },
  },
});

export const persona = defineMethod({
  method: 'agentora/missions/persona',
  scope: 'agent',
  readOnly: true,
  description: 'One persona of the catalogue (PhiOS first, then the local fallback); 404 for an id neither knows.',
  params: z.object({ persona_id: Id }),
  result: z.object({ ok: z.boolean(), persona: CatalogPersona }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/personas/:persona_id',
    wire: { schema: loose({ persona: loose({ id: z.string(), name: z.string(), source: z.string() }) }) },
  },
});

export const personaOverlays = defineMethod({
  method: 'agentora/missions/personaOverlays',
  scope: 'agent',
  readOnly: true,
  description: 'The persona strategy overlays and exactly how each shapes a branch (preferred preset, objective tone, risk posture, fork reason).',
  params: NoParams,
  result: z.object({ ok: z.boolean(), overlays: z.array(PersonaOverlay) }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/persona-overlays',
    wire: { schema: loose({ overlays: z.array(loose({ overlay: z.string(), preferred_preset: z.string() })) }) },
  },
});

export const PersonaBranchSpec = z.object({
  persona_id: Id,
  overlay: OverlayName,
  /** Default: the overlay's preferred preset. */
  preset: BranchPreset.optional(),
  branch_label: z.string().trim().min(1).max(200).optional(),
  objective: z.string().trim().min(1, 'must not be empty').max(20000).optional(),
  constraints: z.array(z.string().trim().min(1).max(2000)).max(100).optional(),
  launch: zBool.default(false),
  persona_assignment_reason: Note.optional(),
});
export const PersonaBranchSetParams = z.object({
  run_id: Id,
  branch_set_id: Id.optional(),
  set_label: z.string().trim().max(200).default(''),
  dry_run: zBool.default(false),
  auto_launch_selected: zBool.default(false),
  specs: z.array(PersonaBranchSpec).min(1, 'at least one branch').max(20),
});
export type PersonaBranchSetParams = z.output<typeof PersonaBranchSetParams>;
const PersonaBranchSetResult = z.object({
  ok: z.boolean(),
  root_run_id: z.string(),
  branch_set_id: z.string(),
  set_label: z.string(),
  created_drafts: z.array(Mission),
  launched_runs: z.array(Mission),
});
export const personaBranchSet = defineMethod({
  method: 'agentora/missions/personaBranchSet',
  description:
    "Fork one mission into persona branches: each spec's persona and overlay shape its draft (the overlay's preset when none is given, its tone on the objective, its fork reason). Checked against the replay and persona policies before anything is created.",
  params: PersonaBranchSetParams,
  result: PersonaBranchSetResult,
  rest: {
    verb: 'POST',
    path: '/api/integrations/runs/:run_id/persona-branch-set',
    wire: {
      schema: loose({
        root_run_id: z.string(),
        branch_set_id: z.string(),
        created_drafts: z.array(W.FlatMission),
        launched_runs: z.array(W.FlatMission),
      }),
      toWire: (r: z.infer<typeof PersonaBranchSetResult>) => ({
        ...r,
        created_drafts: r.created_drafts.map(W.flatMission),
        launched_runs: r.launched_runs.map(W.flatMission),
      }),
    },
  },
});

/** A heuristic recommendation, with everything that explains it. */
export const Recommendation = z.object({
  action: z.enum(['shortlist', 'eliminate', 'hold']),
  reason_codes: z.array(z.string()),
  // Objects with their keys (not records): the same JSON, and zod checks a 100-branch portfolio's 200 of them
  // several times faster (records were ~0.5 ms of the portfolio route, about a third of its overhead above SQL).
  signals: z.object({
    status: z.string(),
    mission_score: z.number(),
    risk_level: z.string(),
    confidence_level: z.string(),
    pr_present: z.boolean(),
    strategy: z.string().nullable(),
    overlay: z.string().nullable(),
  }),
  supporting_metrics: z.object({
    heuristic_rank_score: z.number(),
    top_rank_score: z.number().nullable(),
    sibling_count: z.number(),
    succeeded_siblings: z.number(),
  }),
  confidence_basis: z.string(),
  heuristic_rank_score: z.number(),
  /** Would the persona policy block acting on it, and by which rule. */
  policy_blocked: z.boolean(),
  blocked_rules: z.array(z.string()),
  note: z.string(),
});
export type Recommendation = z.infer<typeof Recommendation>;

export const PortfolioBranch = z.object({
  run_id: z.string(),
  parent_run_id: z.string().nullable(),
  branch_set_id: z.string().nullable(),
  branch_label: z.string().nullable(),
  strategy: z.string().nullable(),
  persona_id: z.string(),
  persona_name: z.string(),
  persona_overlay: z.string().nullable(),
  persona_assignment_reason: z.string().nullable(),
  status: z.string(),
  mission_score: z.number(),
  confidence_level: z.string(),
  risk_level: z.string(),
  pr_url: z.string().nullable(),
  decision_state: z.string(),
  recommendation: Recommendation,
  recommendation_state: z.string(),
  operator_override_status: z.string(),
  operator_override_note: z.string().nullable(),
  mock: z.boolean(),
});
export type PortfolioBranch = z.infer<typeof PortfolioBranch>;

const RootParams = z.object({ root_run_id: Id });
const PortfolioResult = z.object({
  ok: z.boolean(),
  root_run_id: z.string(),
  branch_set_id: z.string().nullable(),
  /** Branches in the lineage (the page holds at most `limit` of them, best ranked first). */
  total: z.number().int(),
  branches: z.array(PortfolioBranch),
  ranking_summary: z.array(
    z.object({
      run_id: z.string(),
      branch_label: z.string().nullable(),
      strategy: z.string().nullable(),
      persona: z.string(),
      heuristic_rank_score: z.number(),
    }),
  ),
  shortlist_suggestions: z.array(z.string()),
  elimination_suggestions: z.array(z.string()),
  interpretation_note: z.string(),
  policy: z.object({ template_name: z.string().nullable(), enabled: z.boolean() }),
});
export const personaPortfolio = defineMethod({
  method: 'agentora/missions/personaPortfolio',
  scope: 'agent',
  readOnly: true,
  description:
    "The persona branches of a root side by side, best ranked first (paged: limit / offset, total), each with its explainable heuristic recommendation — compared with the whole lineage — and the operator's override state.",
  params: RootParams.extend(pagination(100, 1000)),
  result: PortfolioResult,
  rest: {
    verb: 'GET',
    path: '/api/integrations/lineage/:root_run_id/persona-portfolio',
    wire: {
      schema: loose({
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
        shortlist_suggestions: z.array(z.string()),
        elimination_suggestions: z.array(z.string()),
        interpretation_note: z.string(),
      }),
    },
  },
});

export const PersonaStats = z.object({
  persona_id: z.string(),
  count: z.number().int(),
  average_score: z.number().nullable(),
  high_risk_rate: z.number().nullable(),
  pr_rate: z.number().nullable(),
  shortlist_rate: z.number().nullable(),
  elimination_rate: z.number().nullable(),
  override_rate: z.number().nullable(),
  writeback_success_rate: z.number().nullable(),
  success_rate: z.number().nullable(),
});
export type PersonaStats = z.infer<typeof PersonaStats>;

export const CacheMetadata = z.object({
  cache_key: z.string(),
  cached: z.boolean(),
  generation: z.number().int(),
  computed_at: z.string(),
  age_ms: z.number(),
  ttl_seconds: z.number(),
});

export const personaSummary = defineMethod({
  method: 'agentora/missions/personaSummary',
  scope: 'agent',
  readOnly: true,
  description: 'Per persona, how its branches in one lineage did (count, score, risk, PR, shortlist / override rates, best branch). Heuristic.',
  params: RootParams,
  result: z.object({
    ok: z.boolean(),
    root_run_id: z.string(),
    personas: z.array(PersonaStats.extend({ overlays: z.array(z.string()), best_run_id: z.string().nullable() })),
    interpretation_note: z.string(),
    cache_metadata: CacheMetadata,
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/lineage/:root_run_id/persona-summary',
    wire: { schema: loose({ root_run_id: z.string(), personas: z.array(loose({ persona_id: z.string(), count: z.number() })) }) },
  },
});

export const personaInsights = defineMethod({
  method: 'agentora/missions/personaInsights',
  scope: 'agent',
  readOnly: true,
  description:
    'Persona performance across all missions, or one lineage (root_run_id): score, risk, PR, writeback and override rates, with notes. Heuristic.',
  params: z.object({ root_run_id: Id.optional() }).default({}),
  result: z.object({
    ok: z.boolean(),
    root_run_id: z.string().nullable(),
    personas: z.array(PersonaStats),
    top_by_score: z.string().nullable(),
    lowest_risk: z.string().nullable(),
    notes: z.array(z.string()),
    cache_metadata: CacheMetadata,
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/persona-insights',
    wire: {
      schema: loose({ personas: z.array(loose({ persona_id: z.string() })), cache_metadata: loose({ cache_key: z.string(), cached: z.boolean() }) }),
    },
  },
});

export const OverrideDecision = z.enum(['accept_recommendation', 'reject_recommendation', 'manual_override', 'remove_override']);
export const OverrideParams = z.object({
  run_id: Id,
  decision: OverrideDecision,
  /** Manual override: the decision the operator sets instead of the recommendation. */
  shortlisted: zBool.optional(),
  eliminated: zBool.optional(),
  note: Note.default(''),
});
export type OverrideParams = z.output<typeof OverrideParams>;
const OverrideResult = z.object({ ok: z.boolean(), run: Mission, recommendation: Recommendation, decision_event_id: z.number().int() });
export const override = defineMethod({
  method: 'agentora/missions/override',
  // Agents may ask too (the MCP tool override_recommendation, under read-only / allowed tools); the persona policy
  // applies whoever asks, and the decision event names the actor.
  scope: 'agent',
  description:
    "Accept or reject a mission's heuristic recommendation, override it manually (shortlist / eliminate), or remove the override. pending → accepted | rejected | overridden → (remove) pending; checked against the persona policy first; recorded as a decision event.",
  params: OverrideParams,
  result: OverrideResult,
  rest: {
    verb: 'POST',
    path: '/api/integrations/runs/:run_id/override',
    wire: {
      schema: W.FlatMission,
      toWire: (r: z.infer<typeof OverrideResult>) => ({
        ...W.flatMission(r.run),
        recommendation: r.recommendation,
        decision_event_id: r.decision_event_id,
      }),
    },
  },
});

export const missionsPersonaMethods = [
  personas,
  persona,
  personaOverlays,
  personaBranchSet,
  personaPortfolio,
  personaSummary,
  personaInsights,
  override,
] as const;
