// Mission decisions, audit and analytics (http-api.md "audit and trends", "analytics"; brief phases J–K):
// append-only decision events, persona compare, persona trends and the persona × strategy matrix (cached,
// invalidated by every write that changes their inputs), policy checks and templates that really change the
// policy of a lineage, audit summaries, dashboard exports and drill-downs from an aggregate to its runs / events.
import { z } from 'zod';
import { defineMethod, defineNotification, NoParams, pagination } from './define';
import { CacheMetadata, PersonaStats } from './missionsPersonas';
import { loose } from './wire/common';

const Id = z.string().trim().min(1).max(200);

export const DecisionEvent = z.object({
  id: z.number().int(),
  run_id: z.string().nullable(),
  root_run_id: z.string().nullable(),
  event_type: z.string(),
  actor: z.string(),
  actor_kind: z.enum(['operator', 'system']),
  previous_state: z.string().nullable(),
  new_state: z.string().nullable(),
  rationale: z.string(),
  rule: z.string().nullable(),
  created_at: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type DecisionEvent = z.infer<typeof DecisionEvent>;

/** A decision was recorded (an override, a policy block, a template, a pattern decision): open Audit and
 *  Persona portfolio views re-read. Decisions that change no timeline event would not move missions/didChange. */
export const didDecide = defineNotification({
  name: 'agentora/missions/didDecide',
  description: 'A decision event was recorded (operator or system; a policy block names its rule). The Audit and Persona portfolio panels re-read.',
  payload: z.object({
    id: z.number().int(),
    run_id: z.string().nullable(),
    event_type: z.string(),
    actor_kind: z.enum(['operator', 'system']),
    rule: z.string().nullable(),
  }),
});

export const PolicyAction = z.enum([
  'shortlist',
  'eliminate',
  'accept_recommendation',
  'reject_recommendation',
  'manual_override',
  'remove_override',
  'writeback',
  'launch',
  'persona_branch_set',
]);
export type PolicyAction = z.infer<typeof PolicyAction>;
export const PolicyRules = z.object({
  enabled: z.boolean(),
  require_dual_review_on_high_risk: z.boolean(),
  block_exploratory_on_high_risk: z.boolean(),
  require_override_reason: z.boolean(),
  require_conservative_branch_on_high_risk: z.boolean(),
});
export type PolicyRules = z.infer<typeof PolicyRules>;
export const PolicyTemplateName = z.enum(['default', 'high_risk_repo', 'recovery_mode', 'strict_review', 'exploratory_lab']);
export type PolicyTemplateName = z.infer<typeof PolicyTemplateName>;

const Events = z.array(DecisionEvent);
const WireEvents = z.array(loose({ id: z.number(), event_type: z.string(), actor: z.string(), created_at: z.string() }));

export const decisionEvents = defineMethod({
  method: 'agentora/missions/decisionEvents',
  scope: 'agent',
  readOnly: true,
  description: 'The decision events of one mission, newest first (append-only: type, operator | system, previous and new state, rationale, rule).',
  params: z.object({ run_id: Id, ...pagination(50, 500) }),
  result: z.object({ ok: z.boolean(), run_id: z.string(), root_run_id: z.string(), total: z.number().int(), events: Events }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/runs/:run_id/decision-events',
    wire: { schema: loose({ run_id: z.string(), events: WireEvents }), headers: (r: { total: number }) => ({ 'X-Total-Count': String(r.total) }) },
  },
});

export const auditTimeline = defineMethod({
  method: 'agentora/missions/auditTimeline',
  scope: 'agent',
  readOnly: true,
  description: 'Decision events of everything or of one lineage, newest first, filtered by actor kind, type or policy rule (the Audit panel).',
  params: z
    .object({
      root_run_id: Id.optional(),
      actor_kind: z.enum(['operator', 'system']).optional(),
      event_type: z.string().trim().min(1).max(100).optional(),
      policy_blocked_only: z.boolean().default(false),
      ...pagination(100, 500),
    })
    .default({ policy_blocked_only: false, limit: 100, offset: 0 }),
  result: z.object({
    ok: z.boolean(),
    total: z.number().int(),
    events: Events,
    stats: z.object({
      total: z.number(),
      operator_events: z.number(),
      system_events: z.number(),
      policy_blocked_events: z.number(),
      by_type: z.record(z.string(), z.number()),
    }),
  }),
});

const Side = z.object({
  run_id: z.string(),
  persona_id: z.string(),
  persona_name: z.string(),
  persona_overlay: z.string().nullable(),
  strategy: z.string().nullable(),
  status: z.string(),
  mission_score: z.number(),
  risk_level: z.string(),
  confidence_level: z.string(),
  pr_url: z.string().nullable(),
  decision_state: z.string(),
  recommendation_state: z.string(),
  operator_override_status: z.string(),
});
export const personaCompare = defineMethod({
  method: 'agentora/missions/personaCompare',
  scope: 'agent',
  readOnly: true,
  description: 'Two missions side by side by persona: the fields that differ and a heuristic interpretation.',
  params: z.object({ run_id: Id, other_run_id: Id }),
  result: z.object({
    ok: z.boolean(),
    run_id: z.string(),
    other_run_id: z.string(),
    left: Side,
    right: Side,
    field_differences: z.record(z.string(), z.object({ left: z.unknown(), right: z.unknown() })),
    same_lineage: z.boolean(),
    interpretation: z.string(),
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/runs/:run_id/persona-compare',
    wire: {
      schema: loose({
        left: loose({ run_id: z.string() }),
        right: loose({ run_id: z.string() }),
        field_differences: z.record(z.string(), z.unknown()),
      }),
    },
  },
});

export const TrendFilters = z.object({
  window: z.enum(['7d', '30d', 'all']).default('30d'),
  repo: z.string().trim().min(1).max(200).optional(),
  strategy: z.string().trim().min(1).max(100).optional(),
  status: z.string().trim().min(1).max(50).optional(),
  persona_id: z.string().trim().min(1).max(200).optional(),
});
export type TrendFilters = z.output<typeof TrendFilters>;
const TrendParams = TrendFilters.default({ window: '30d' });
const CacheWire = loose({ cache_key: z.string(), cached: z.boolean() });

export const personaTrends = defineMethod({
  method: 'agentora/missions/personaTrends',
  scope: 'agent',
  readOnly: true,
  description:
    'Persona performance over a window (7d / 30d / all) with repo / strategy / status filters, per persona and per day. Cached; heuristic.',
  params: TrendParams,
  result: z.object({
    ok: z.boolean(),
    window: z.string(),
    since: z.string().nullable(),
    filters: z.record(z.string(), z.string()),
    personas: z.array(PersonaStats),
    series: z.array(z.object({ persona_id: z.string(), day: z.string(), count: z.number().int(), average_score: z.number().nullable() })),
    total: z.number().int(),
    cache_metadata: CacheMetadata,
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/persona-trends',
    wire: { schema: loose({ window: z.string(), personas: z.array(loose({ persona_id: z.string() })), cache_metadata: CacheWire }) },
  },
});

export const MatrixCell = z.object({
  persona_id: z.string(),
  strategy: z.string(),
  count: z.number().int(),
  average_score: z.number().nullable(),
  high_risk_rate: z.number().nullable(),
  shortlist_rate: z.number().nullable(),
  pr_rate: z.number().nullable(),
  override_rate: z.number().nullable(),
});
export const personaMatrix = defineMethod({
  method: 'agentora/missions/personaMatrix',
  scope: 'agent',
  readOnly: true,
  description:
    'The persona × strategy matrix (missions without a strategy count as "none"): count, score, risk, shortlist, PR and override rates per cell. Cached; heuristic.',
  params: TrendParams,
  result: z.object({
    ok: z.boolean(),
    window: z.string(),
    since: z.string().nullable(),
    filters: z.record(z.string(), z.string()),
    personas: z.array(z.string()),
    strategies: z.array(z.string()),
    cells: z.array(MatrixCell),
    total: z.number().int(),
    cache_metadata: CacheMetadata,
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/persona-trends/matrix',
    wire: {
      schema: loose({ cells: z.array(loose({ persona_id: z.string(), strategy: z.string(), count: z.number() })), cache_metadata: CacheWire }),
    },
  },
});

const VerdictResult = z.object({
  ok: z.boolean(),
  enabled: z.boolean(),
  message: z.string(),
  allowed: z.boolean(),
  action: PolicyAction,
  rule: z.string().nullable(),
  rules_checked: z.array(z.string()),
  template_name: z.string().nullable(),
  policy: PolicyRules,
});
export const policyCheck = defineMethod({
  method: 'agentora/missions/policyCheck',
  scope: 'agent',
  description: 'Would the persona policy of this lineage allow an action on this mission? (ok = allowed; changes nothing.)',
  params: z.object({ run_id: Id, action: PolicyAction, note: z.string().max(2000).optional(), shortlisted: z.boolean().optional() }),
  result: VerdictResult,
  rest: {
    verb: 'POST',
    path: '/api/integrations/runs/:run_id/policy-check',
    wire: { schema: loose({ ok: z.boolean(), enabled: z.boolean(), message: z.string() }) },
  },
});

const Stats = {
  total_decision_events: z.number().int(),
  operator_events: z.number().int(),
  system_events: z.number().int(),
  policy_blocked_events: z.number().int(),
  by_type: z.record(z.string(), z.number()),
};
export const auditSummary = defineMethod({
  method: 'agentora/missions/auditSummary',
  scope: 'agent',
  readOnly: true,
  description: "A mission's decision audit: counts by type and operator / system, policy blocks, the latest events.",
  params: z.object({ run_id: Id }),
  result: z.object({ ok: z.boolean(), run_id: z.string(), root_run_id: z.string(), ...Stats, latest_events: Events }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/runs/:run_id/audit-summary',
    wire: {
      schema: loose({
        run_id: z.string(),
        root_run_id: z.string(),
        total_decision_events: z.number(),
        operator_events: z.number(),
        policy_blocked_events: z.number(),
        latest_events: z.array(z.unknown()),
      }),
    },
  },
});

export const decisionAudit = defineMethod({
  method: 'agentora/missions/decisionAudit',
  scope: 'agent',
  readOnly: true,
  description: 'The decision audit of a whole lineage: the policy in force, counts by type / actor / run, and the events newest first.',
  params: z.object({ root_run_id: Id, ...pagination(100, 1000) }),
  result: z.object({
    ok: z.boolean(),
    root_run_id: z.string(),
    policy: z.object({ source: z.string(), template_name: z.string().nullable(), rules: PolicyRules }),
    ...Stats,
    by_run: z.array(z.object({ run_id: z.string(), count: z.number().int() })),
    total: z.number().int(),
    events: Events,
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/lineage/:root_run_id/decision-audit',
    wire: { schema: loose({ root_run_id: z.string(), total_decision_events: z.number(), events: WireEvents }) },
  },
});

export const analyticsCache = defineMethod({
  method: 'agentora/missions/analyticsCache',
  scope: 'agent',
  readOnly: true,
  description: 'The analytics cache: settings, generation, hit / miss / invalidation counts and its entries.',
  params: NoParams,
  result: z.object({
    ok: z.boolean(),
    enabled: z.boolean(),
    ttl_seconds: z.number(),
    max_entries: z.number(),
    generation: z.number().int(),
    entries: z.number().int(),
    hits: z.number().int(),
    misses: z.number().int(),
    invalidations: z.number().int(),
    keys: z.array(z.object({ key: z.string(), age_ms: z.number(), hits: z.number().int(), generation: z.number().int() })),
  }),
  rest: { verb: 'GET', path: '/api/integrations/analytics/cache', wire: { schema: loose({ enabled: z.boolean(), entries: z.number() }) } },
});

export const invalidateCache = defineMethod({
  method: 'agentora/missions/invalidateAnalyticsCache',
  scope: 'operator',
  description: 'Drop cached analytics (all, or the keys starting with prefix).',
  params: z.object({ prefix: z.string().max(500).optional() }).default({}),
  result: z.object({ ok: z.boolean(), invalidated: z.number().int(), remaining: z.number().int() }),
  rest: {
    verb: 'POST',
    path: '/api/integrations/analytics/cache/invalidate',
    wire: { schema: loose({ ok: z.boolean(), invalidated: z.number(), remaining: z.number() }) },
  },
});

const Template = z.object({ name: PolicyTemplateName, description: z.string(), policy: PolicyRules });
export const policyTemplates = defineMethod({
  method: 'agentora/missions/policyTemplates',
  scope: 'agent',
  readOnly: true,
  description: 'The persona policy templates and the exact rules each sets.',
  params: NoParams,
  result: z.object({ ok: z.boolean(), templates: z.array(Template) }),
  rest: { verb: 'GET', path: '/api/integrations/policy-templates', wire: { schema: loose({ templates: z.array(loose({ name: z.string() })) }) } },
});
export const policyTemplate = defineMethod({
  method: 'agentora/missions/policyTemplate',
  scope: 'agent',
  readOnly: true,
  description: 'One policy template (404 for an unknown name).',
  params: z.object({ template_name: z.string().trim().min(1).max(100) }),
  result: z.object({ ok: z.boolean(), template: Template }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/policy-templates/:template_name',
    wire: { schema: loose({ template: loose({ name: z.string() }) }) },
  },
});

const ApplyResult = z.object({
  ok: z.boolean(),
  root_run_id: z.string(),
  template_name: PolicyTemplateName,
  previous_template: z.string().nullable(),
  template: Template,
  policy_check: VerdictResult,
  decision_event: DecisionEvent,
});
export const applyPolicyTemplate = defineMethod({
  method: 'agentora/missions/applyPolicyTemplate',
  description:
    "Apply a policy template to the lineage of this mission's root: from now on it is the effective persona policy of every mission in that lineage. Recorded as a policy_template_applied decision event.",
  params: z.object({ run_id: Id, template_name: PolicyTemplateName, note: z.string().trim().max(2000).default('') }),
  result: ApplyResult,
  rest: {
    verb: 'POST',
    path: '/api/integrations/runs/:run_id/apply-policy-template',
    wire: { schema: loose({ ok: z.boolean(), template_name: z.string(), template: loose({}), policy_check: loose({}) }) },
  },
});

const ExportWire = loose({ exported_at: z.string(), kind: z.string(), filters: z.record(z.string(), z.unknown()) });
/** A dashboard export of one analytic (persona trends or the matrix): same filters, the analytic under `data`. */
function dashboardExport<K extends 'persona-trends' | 'persona-matrix'>(kind: K, method: string, what: string) {
  return defineMethod({
    method,
    scope: 'agent',
    readOnly: true,
    description: `Dashboard export of ${what} (same filters).`,
    params: TrendParams,
    result: z.object({
      exported_at: z.string(),
      kind: z.literal(kind),
      filters: z.record(z.string(), z.string()),
      data: z.record(z.string(), z.unknown()),
    }),
    rest: {
      verb: 'GET',
      path: `/api/integrations/exports/${kind}`,
      wire: { schema: ExportWire.extend({ data: z.record(z.string(), z.unknown()) }) },
    },
  });
}
export const exportTrends = dashboardExport('persona-trends', 'agentora/missions/exportPersonaTrends', 'persona trends');
export const exportMatrix = dashboardExport('persona-matrix', 'agentora/missions/exportPersonaMatrix', 'the persona × strategy matrix');
export const exportAudit = defineMethod({
  method: 'agentora/missions/exportAuditSummary',
  scope: 'agent',
  readOnly: true,
  description:
    'Dashboard export of the decision audit: the rollup and the events (of one lineage with root_run_id, else of everything; up to limit events).',
  params: z.object({ root_run_id: Id.optional(), limit: pagination(500, 5000).limit }).default({ limit: 500 }),
  result: z.object({
    exported_at: z.string(),
    kind: z.literal('audit-summary'),
    filters: z.record(z.string(), z.string()),
    rollup: z.object({
      total: z.number(),
      operator_events: z.number(),
      system_events: z.number(),
      policy_blocked_events: z.number(),
      by_type: z.record(z.string(), z.number()),
    }),
    events: Events,
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/exports/audit-summary',
    wire: { schema: ExportWire.extend({ rollup: loose({}), events: z.array(z.unknown()) }) },
  },
});

export const DrillRun = z.object({
  run_id: z.string(),
  created_at: z.string(),
  repo: z.string(),
  persona_id: z.string(),
  strategy: z.string().nullable(),
  status: z.string(),
  mission_score: z.number(),
  risk_level: z.string(),
  decision_state: z.string(),
  operator_override_status: z.string(),
  pr_url: z.string().nullable(),
});
const DrillWire = loose({ filters: z.record(z.string(), z.unknown()), total: z.number(), runs: z.array(loose({ run_id: z.string() })) });
const DrillResult = z.object({ ok: z.boolean(), filters: z.record(z.string(), z.string()), total: z.number().int(), runs: z.array(DrillRun) });
const drillPage = pagination(100, 1000);
/** A drill-down from an aggregate to the runs it counted (GET /api/integrations/drilldown/<what>). */
function drilldown<P extends z.ZodType, R extends z.ZodType>(what: string, method: string, description: string, params: P, result: R) {
  return defineMethod({
    method,
    scope: 'agent',
    readOnly: true,
    description,
    params,
    result,
    rest: { verb: 'GET', path: `/api/integrations/drilldown/${what}`, wire: { schema: DrillWire } },
  });
}
export const drillMatrix = drilldown(
  'persona-matrix',
  'agentora/missions/drilldownPersonaMatrix',
  'The runs counted in one persona × strategy cell (same window and filters as the matrix; strategy "none" = no strategy).',
  TrendFilters.extend({ persona_id: Id, strategy: z.string().trim().min(1).max(100), ...drillPage }),
  DrillResult,
);
export const drillTrends = drilldown(
  'persona-trends',
  'agentora/missions/drilldownPersonaTrends',
  "The runs counted in one persona's trend (same window and filters as persona-trends).",
  TrendFilters.extend({ persona_id: Id, ...drillPage }),
  DrillResult,
);
export const drillRecommendations = drilldown(
  'recommendations',
  'agentora/missions/drilldownRecommendations',
  'The branches of a lineage with a given heuristic recommendation (shortlist | eliminate | hold), and why.',
  z.object({ root_run_id: Id, recommendation: z.enum(['shortlist', 'eliminate', 'hold']).optional() }),
  DrillResult.extend({ recommendations: z.record(z.string(), z.array(z.string())) }),
);
export const drillPolicyBlocks = defineMethod({
  method: 'agentora/missions/drilldownPolicyBlocks',
  scope: 'agent',
  readOnly: true,
  description: 'The policy_blocked_action events behind a count: of everything or one lineage, optionally one rule.',
  params: z.object({ root_run_id: Id.optional(), rule: z.string().trim().min(1).max(100).optional(), ...drillPage }),
  result: z.object({ ok: z.boolean(), filters: z.record(z.string(), z.string()), total: z.number().int(), events: Events }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/drilldown/policy-blocks',
    wire: { schema: loose({ filters: z.record(z.string(), z.unknown()), total: z.number(), events: WireEvents }) },
  },
});

export const missionsAuditNotifications = [didDecide] as const;

export const missionsAuditMethods = [
  decisionEvents,
  auditTimeline,
  personaCompare,
  personaTrends,
  personaMatrix,
  policyCheck,
  auditSummary,
  decisionAudit,
  analyticsCache,
  invalidateCache,
  policyTemplates,
  policyTemplate,
  applyPolicyTemplate,
  exportTrends,
  exportMatrix,
  exportAudit,
  drillMatrix,
  drillTrends,
  drillRecommendations,
  drillPolicyBlocks,
] as const;
