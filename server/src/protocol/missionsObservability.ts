// Software Missions observability and retention (brief phase E–F; http-api.md "observability"): insights,
// cohorts, alert deliveries, the retention policy and compaction. Shapes per wire-shapes.md. Scores, confidence
// and risk are heuristic (the settings AGENTORA_MISSIONS_SCORE_* / *_THRESHOLD_*), and every answer says so.
import { z } from 'zod';
import { defineMethod, defineNotification, NoParams, zBool, zInt } from './define';

const Count = z.number().int();
const Rate = z.number().nullable();

export const CohortDimension = z.enum(['repo', 'persona_id', 'status', 'writeback_status', 'confidence_level']);
export type CohortDimension = z.infer<typeof CohortDimension>;

/** Filters the analytics accept: the cohort dimensions (exact match). */
export const AnalyticsFilters = z.object({
  repo: z.string().trim().min(1).max(200).optional(),
  persona_id: z.string().trim().min(1).max(200).optional(),
  status: z.string().trim().min(1).max(50).optional(),
  writeback_status: z.string().trim().min(1).max(50).optional(),
  confidence_level: z.enum(['low', 'medium', 'high']).optional(),
});
export type AnalyticsFilters = z.infer<typeof AnalyticsFilters>;

export const CohortGroup = z.object({
  group: z.string(),
  count: Count,
  average_mission_score: Rate,
  average_refresh_count: Rate,
  /** succeeded / (succeeded + failed) writebacks; null when none was attempted. */
  writeback_success_rate: Rate,
  /** succeeded / finished (succeeded, failed, cancelled); null when none finished. */
  terminal_success_rate: Rate,
  average_pr_presence_rate: Rate,
  top_risk_signal: z.enum(['low', 'medium', 'high']).nullable(),
  risk_counts: z.object({ low: Count, medium: Count, high: Count }),
});
export type CohortGroup = z.infer<typeof CohortGroup>;

export const cohorts = defineMethod({
  method: 'agentora/missions/cohorts',
  description:
    'Missions grouped by repo, persona, status, writeback status or confidence level, with counts, average heuristic score, refresh count and success / PR rates per group (read from the analytics cube kept by triggers, in SQL).',
  params: AnalyticsFilters.extend({ group_by: CohortDimension.default('repo'), limit: zInt.pipe(z.number().int().min(1).max(1000)).default(100) }),
  result: z.object({
    ok: z.boolean(),
    group_by: CohortDimension,
    filters: AnalyticsFilters,
    total: Count,
    groups: z.array(CohortGroup),
    heuristic: z.literal(true),
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/cohorts',
    wire: {
      schema: z.looseObject({
        group_by: z.string(),
        groups: z.array(
          z.looseObject({
            group: z.string(),
            count: Count,
            average_mission_score: Rate,
            average_refresh_count: Rate,
            writeback_success_rate: Rate,
            terminal_success_rate: Rate,
            average_pr_presence_rate: Rate,
            top_risk_signal: z.string().nullable(),
          }),
        ),
      }),
    },
  },
  scope: 'agent',
  readOnly: true,
});

export const cohortsSummary = defineMethod({
  method: 'agentora/missions/cohortsSummary',
  description: 'For every cohort dimension: how many groups there are and the largest and best-scoring group.',
  params: AnalyticsFilters,
  result: z.object({
    ok: z.boolean(),
    total: Count,
    dimensions: z.array(
      z.object({ group_by: CohortDimension, groups: Count, largest: CohortGroup.nullable(), best_scoring: CohortGroup.nullable() }),
    ),
    heuristic: z.literal(true),
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/cohorts/summary',
    wire: { schema: z.looseObject({ total: Count, dimensions: z.array(z.looseObject({ group_by: z.string(), groups: Count })) }) },
  },
  scope: 'agent',
  readOnly: true,
});

const Keyed = z.record(z.string(), z.number());
export const InsightsResult = z.object({
  ok: z.boolean(),
  total: Count,
  missions_by_status: Keyed,
  missions_by_persona: Keyed,
  writeback_success_rate: Rate,
  average_watcher_refresh_count_by_status: Keyed,
  top_repos_by_mission_count: z.array(z.object({ repo: z.string(), count: Count })),
  terminal_success_rate: Rate,
  average_mission_score: Rate,
  top_risk_signals: z.array(z.object({ risk_signal: z.enum(['low', 'medium', 'high']), count: Count })),
  average_pr_presence_rate: Rate,
  persona_performance_summary: z.array(CohortGroup),
  heuristic: z.literal(true),
});

export const insights = defineMethod({
  method: 'agentora/missions/insights',
  description:
    'Mission insights: counts by status and persona, success / writeback / PR rates, refresh counts, top repos, risk signals and per-persona performance (SQL over the analytics cube; scores and risk are heuristic).',
  params: AnalyticsFilters,
  result: InsightsResult,
  rest: {
    verb: 'GET',
    path: '/api/integrations/insights',
    wire: {
      schema: z.looseObject({
        missions_by_status: Keyed,
        missions_by_persona: Keyed,
        writeback_success_rate: Rate,
        average_watcher_refresh_count_by_status: Keyed,
        top_repos_by_mission_count: z.array(z.unknown()),
        terminal_success_rate: Rate,
        average_mission_score: Rate,
        top_risk_signals: z.array(z.unknown()),
        average_pr_presence_rate: Rate,
        persona_performance_summary: z.array(z.unknown()),
      }),
    },
  },
  scope: 'agent',
  readOnly: true,
});

// ---------- retention ----------

export const RetentionPolicy = z.object({
  events_ttl_days: Count,
  events_max_per_run: Count,
  compaction_enabled: z.boolean(),
  compaction_interval_seconds: Count,
  /** Timeline event types compaction never removes (the audit trail of what happened to a mission). */
  kept_event_types: z.array(z.string()),
});

export const CompactionReport = z.object({
  dry_run: z.boolean(),
  started_at: z.string(),
  finished_at: z.string(),
  cutoff: z.string(),
  removed_events_ttl: Count,
  removed_events_cap: Count,
  removed_watcher_events: Count,
  removed_alert_events: Count,
  removed_total: Count,
  removed_by_type: z.record(z.string(), Count),
  runs_over_cap: Count,
  transactions: Count,
  longest_transaction_ms: z.number(),
  duration_ms: z.number(),
});
export type CompactionReport = z.infer<typeof CompactionReport>;

/** A real compaction as a job: its report so far while running (committed as it goes), the final one after. */
export const CompactionJob = z.object({
  job_id: Count,
  actor: z.string(),
  state: z.enum(['running', 'done', 'failed', 'interrupted']),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  report: CompactionReport,
  error: z.string().nullable(),
});

const Span = z.object({ count: Count, oldest: z.string().nullable(), newest: z.string().nullable() });

export const retention = defineMethod({
  method: 'agentora/missions/retention',
  description:
    'The retention policy, how many timeline / watcher / alert events exist (oldest, newest), what the next compaction would delete (a dry run), and the last compaction.',
  params: NoParams,
  result: z.object({
    ok: z.boolean(),
    policy: RetentionPolicy,
    timeline_events: Span,
    watcher_events: Span,
    alert_events: Span,
    next_compaction: CompactionReport,
    last_compaction: CompactionReport.nullable(),
    /** The compaction running now (its progress), if any. */
    running_compaction: CompactionJob.nullable(),
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/retention',
    wire: { schema: z.looseObject({ policy: z.looseObject({}), next_compaction: z.looseObject({ removed_total: Count }) }) },
  },
  readOnly: true,
});

export const compact = defineMethod({
  method: 'agentora/missions/compact',
  description:
    'Compact mission events now: drop events older than the TTL and trim each mission to the per-run cap (oldest first), keeping the important event types; with dry_run only count. Runs in short transactions so requests never wait behind it. A real compaction is a job: `wait: false` answers at once with its job_id and the report so far (progress: didCompact, GET retention/compactions/{job_id}); by default the answer waits for the final report. A compaction already running is joined, not started twice.',
  params: z.object({ dry_run: zBool.default(false), wait: zBool.default(true) }).default({ dry_run: false, wait: true }),
  result: z.object({
    ok: z.boolean(),
    report: CompactionReport,
    job_id: Count.nullable(),
    state: z.enum(['running', 'done', 'failed', 'interrupted']).nullable(),
  }),
  rest: {
    verb: 'POST',
    path: '/api/integrations/retention/compact',
    wire: { schema: z.looseObject({ ok: z.boolean(), report: z.looseObject({ dry_run: z.boolean(), removed_total: Count }) }) },
  },
});

export const compaction = defineMethod({
  method: 'agentora/missions/compaction',
  description: 'One compaction job: its state and its report (so far, while it runs).',
  params: z.object({ job_id: zInt.pipe(z.number().int().min(1)) }),
  result: z.object({ ok: z.boolean(), job: CompactionJob }),
  rest: { verb: 'GET', path: '/api/integrations/retention/compactions/:job_id' },
  readOnly: true,
});

export const didCompact = defineNotification({
  name: 'agentora/missions/didCompact',
  description: 'A compaction job made progress (at most every 250 ms) or ended.',
  payload: CompactionJob.pick({ job_id: true, state: true, report: true }),
});

// ---------- alerts ----------

export const AlertEvent = z.object({
  id: Count,
  created_at: z.string(),
  run_id: z.string(),
  alert_type: z.enum(['terminal', 'writeback_failed', 'high_risk']),
  /** pending (queued or waiting for a retry) → delivered | failed (after 5 attempts) | skipped (alerts off). */
  status: z.enum(['pending', 'delivered', 'failed', 'skipped']),
  attempts: Count,
  next_attempt_at: z.string(),
  delivered_at: z.string().nullable(),
  response_status: Count.nullable(),
  last_error: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
});

export const alertEvents = defineMethod({
  method: 'agentora/missions/alertEvents',
  description:
    'Mission alerts (terminal, writeback failed, high risk — each raised once per transition) and every delivery attempt to the webhook, newest first.',
  params: z.object({ limit: zInt.pipe(z.number().int().min(1).max(500)).default(50) }).default({ limit: 50 }),
  result: z.object({ ok: z.boolean(), events: z.array(AlertEvent) }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/alerts/events',
    wire: {
      schema: z.looseObject({ events: z.array(z.looseObject({ id: Count, run_id: z.string(), alert_type: z.string(), status: z.string() })) }),
    },
  },
  readOnly: true,
});

export const didAlert = defineNotification({
  name: 'agentora/missions/didAlert',
  description: 'A mission alert was raised (high risk, heuristic): the extension shows a notification.',
  payload: z.object({
    alert_id: Count,
    alert_type: z.string(),
    run_id: z.string(),
    mission_title: z.string(),
    repo: z.string(),
    message: z.string(),
  }),
});

export const missionsObservabilityMethods = [insights, cohorts, cohortsSummary, retention, compact, compaction, alertEvents] as const;
export const missionsObservabilityNotifications = [didAlert, didCompact] as const;
