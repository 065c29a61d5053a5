// Software Missions contract (http-api.md, "Software Missions"): the bridge routes, the mission loop
// (prepare → launch → refresh / watch → write back → review / compare), history, timeline, snapshot, metrics.
// Wire names follow the earlier product: a mission is a "run" (`run_id`); the AgentCeption run is its `job_id`.
import { z } from 'zod';
import { MissionContextPacket } from '../bridges/missions/types';
import { defineMethod, defineNotification, NoParams, pagination, zBool, zInt, zNum } from './define';
import * as W from './wire/missions';

export { MissionContextPacket };

// ---------- vocabulary ----------

/** prepared → (dry_run | launch_failed | queued | running | blocked | unknown) → succeeded | failed | cancelled */
// launch_unknown: the server stopped during a launch and could not tell whether AgentCeption started the run
// (fix_hint says how to check); it can be launched again, and that launch first looks for the run.
export const MissionStatus = z.enum([
  'prepared',
  'dry_run',
  'launch_failed',
  'launch_unknown',
  'queued',
  'running',
  'blocked',
  'unknown',
  'succeeded',
  'failed',
  'cancelled',
]);
export type MissionStatus = z.infer<typeof MissionStatus>;
export const WritebackStatus = z.enum(['none', 'pending', 'succeeded', 'failed', 'skipped']);
export type WritebackStatus = z.infer<typeof WritebackStatus>;
export const Level = z.enum(['low', 'medium', 'high']);
export type Level = z.infer<typeof Level>;

export const TimelineEventType = z.enum([
  'prepared',
  'content_updated',
  'launch_requested',
  'dry_run_recorded',
  'launched',
  'launch_failed',
  'launch_reconciled',
  'launch_unknown',
  'state_changed',
  'job_event',
  'outcome_updated',
  'artifacts_updated',
  'refresh_failed',
  'error_cleared',
  'watch_started',
  'watch_stopped',
  'writeback_pending',
  'writeback_succeeded',
  'writeback_failed',
  'writeback_skipped',
  'score_changed',
]);
export type TimelineEventType = z.infer<typeof TimelineEventType>;

const Repo = z
  .string()
  .trim()
  .regex(/^[\w.-]+\/[\w.-]+$/, 'expected "owner/repo"');
const Text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const StrList = z.array(z.string().trim().min(1).max(2000)).max(100);

export const Artifact = z.object({ path: z.string(), diff: z.string(), timestamp: z.string().nullable(), lines_omitted: z.number() });

export const ScoreFactor = z.object({ factor: z.string(), points: z.number() });

/** A mission as lists show it (no packet, brief or artifacts). */
export const MissionSummary = z.object({
  run_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  status: MissionStatus,
  terminal: z.boolean(),
  /** Launched and not finished (the watcher refreshes it; Refresh advances it). */
  active: z.boolean(),
  /** Not launched for real yet: launch is allowed. Callers read these instead of copying the state lists. */
  launchable: z.boolean(),
  repo: z.string(),
  persona_id: z.string(),
  mission_title: z.string(),
  objective: z.string(),
  dry_run: z.boolean(),
  job_id: z.string().nullable(),
  job_raw_status: z.string().nullable(),
  branch: z.string().nullable(),
  pr_url: z.string().nullable(),
  summary: z.string().nullable(),
  artifact_count: z.number().int(),
  watched: z.boolean(),
  writeback_status: WritebackStatus,
  mission_score: z.number(),
  confidence_level: Level,
  risk_level: Level,
  last_error: z.string().nullable(),
  fix_hint: z.string().nullable(),
  launched_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  last_refreshed_at: z.string().nullable(),
  parent_run_id: z.string().nullable(),
  root_run_id: z.string(),
  lineage_depth: z.number().int(),
  branch_set_id: z.string().nullable(),
  branch_label: z.string().nullable(),
  decision_state: z.string(),
  /** Prepared or launched against the mock integrations: its outcome and links are not real. */
  mock: z.boolean(),
});
export type MissionSummary = z.infer<typeof MissionSummary>;

/** A mission in full. */
export const Mission = MissionSummary.extend({
  operator_intent: z.string(),
  constraints: z.array(z.string()),
  acceptance_criteria: z.array(z.string()),
  session_id: z.string(),
  context_packet: MissionContextPacket,
  snapshot_hash: z.string(),
  brief_markdown: z.string().nullable(),
  /** What was (or, for a dry run, would have been) sent to AgentCeption. */
  launch_request: z.record(z.string(), z.unknown()).nullable(),
  /** Set while a launch is in flight: the idempotency key a restart uses to find the upstream run. */
  launch_intent: z.record(z.string(), z.unknown()).nullable(),
  job_state: z.string().nullable(),
  stale: z.boolean(),
  live: z.boolean(),
  issue_url: z.string().nullable(),
  grade: z.string().nullable(),
  artifacts: z.array(Artifact),
  last_writeback_at: z.string().nullable(),
  score_breakdown: z.array(ScoreFactor),
  persona_overlay: z.string().nullable(),
  strategy: z.string().nullable(),
  fork_reason: z.string().nullable(),
  source_snapshot_hash: z.string().nullable(),
  provenance_note: z.string().nullable(),
  /** How this mission was forked from its parent (exact | edited | retry | what_if); null when prepared anew. */
  replay_kind: z.string().nullable(),
  /** sha256 of the last outcome seen (state, summary, PR, artifacts), and of the last one written back. */
  outcome_hash: z.string().nullable(),
  last_writeback_hash: z.string().nullable(),
  /** Persona assignment and the operator's override of the heuristic recommendation (missionsPersonas.ts). */
  persona_assignment_reason: z.string().nullable(),
  operator_override_status: z.string(),
  operator_override_note: z.string().nullable(),
  recommendation_state: z.string(),
});
export type Mission = z.infer<typeof Mission>;

export const TimelineEvent = z.object({
  id: z.number().int(),
  run_id: z.string(),
  created_at: z.string(),
  type: TimelineEventType,
  from_status: z.string().nullable(),
  to_status: z.string().nullable(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
  actor: z.string(),
});
export type TimelineEvent = z.infer<typeof TimelineEvent>;

export const WritebackRecord = z.object({
  id: z.number().int(),
  run_id: z.string(),
  created_at: z.string(),
  trigger: z.enum(['manual', 'auto']),
  status: z.enum(['succeeded', 'failed', 'skipped']),
  outcome_hash: z.string(),
  ref: z.string().nullable(),
  error_code: z.string().nullable(),
  message: z.string(),
  fix_hint: z.string().nullable(),
});
export type WritebackRecord = z.infer<typeof WritebackRecord>;

export const BridgeHealth = z.object({
  name: z.enum(['phios', 'agentception']),
  transport: z.string(),
  ok: z.boolean(),
  mock: z.boolean(),
  detail: z.string(),
  fix_hint: z.string(),
  latency_ms: z.number().nullable(),
});

const JobState = z.enum(['queued', 'running', 'blocked', 'succeeded', 'failed', 'cancelled', 'unknown']);
const Persona = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  style: z.string(),
  goals: z.array(z.string()),
  constraints: z.array(z.string()),
});

// ---------- bridge routes ----------

/** What `POST /api/integrations/enable` may set (never an API key: those live in SecretStorage or the environment). */
export const IntegrationConfig = z
  .object({
    url: z.string().max(500).optional(),
    transport: z.enum(['mcp-stdio', 'http']).optional(),
    command: z.string().max(500).optional(),
    timeout_seconds: zNum.pipe(z.number().positive().max(3600)).optional(),
    launch_mode: z.enum(['issue', 'label']).optional(),
    role: z.string().max(100).optional(),
    label: z.string().max(200).optional(),
  })
  .strict();

export const enableIntegration = defineMethod({
  method: 'agentora/missions/enableIntegration',
  description:
    'Enable or disable PhiOS or AgentCeption and set its connection (written to <data dir>/config.env and applied at once; the environment and VS Code settings still win, and the answer says where they do).',
  params: z.object({
    name: z.enum(['phios', 'agentception']),
    enabled: zBool,
    config: IntegrationConfig.default({}),
  }),
  result: z.object({
    ok: z.boolean(),
    name: z.enum(['phios', 'agentception']),
    enabled: z.boolean(),
    written: z.record(z.string(), z.string()),
    config_file: z.string(),
    overridden: z.array(z.object({ variable: z.string(), by: z.enum(['environment', 'client setting']), effective: z.string() })),
    health: BridgeHealth,
  }),
  rest: { verb: 'POST', path: '/api/integrations/enable', wire: W.enable },
});

export const status = defineMethod({
  method: 'agentora/missions/status',
  description: 'Integration status: mock or live, each bridge (with a health check), the watcher and the MCP policy.',
  params: NoParams,
  result: z.object({
    ok: z.boolean(),
    mock: z.boolean(),
    phios: BridgeHealth.extend({ enabled: z.boolean() }),
    agentception: BridgeHealth.extend({ enabled: z.boolean() }),
    watcher: z.object({ enabled: z.boolean(), interval_seconds: z.number(), auto_writeback: z.boolean() }),
    mcp: z.object({ enabled: z.boolean(), read_only: z.boolean(), key_required: z.boolean(), allowed_tools: z.array(z.string()) }),
  }),
  rest: { verb: 'GET', path: '/api/integrations/status', wire: W.status },
  readOnly: true,
});

export const phiosHealth = defineMethod({
  method: 'agentora/missions/phiosHealth',
  description: 'Is PhiOS reachable (or the mock in use)?',
  params: NoParams,
  result: BridgeHealth,
  rest: { verb: 'GET', path: '/api/integrations/phios/health', wire: W.bridgeHealth },
  readOnly: true,
});

export const phiosPersona = defineMethod({
  method: 'agentora/missions/phiosPersona',
  description: 'A persona from PhiOS by id (404 when PhiOS does not know it).',
  params: z.object({ persona_id: Text(200) }),
  result: z.object({ ok: z.boolean(), persona: Persona }),
  rest: { verb: 'GET', path: '/api/integrations/phios/persona/:persona_id', wire: W.persona },
  readOnly: true,
});

export const PrepareParams = z.object({
  persona_id: z.string().trim().min(1).max(200).default('default'),
  repo: Repo,
  mission_title: Text(300),
  objective: Text(20000),
  operator_intent: z.string().trim().max(5000).default(''),
  constraints: StrList.default([]),
  acceptance_criteria: StrList.default([]),
});
export type PrepareParams = z.input<typeof PrepareParams>;

export const phiosContextPack = defineMethod({
  method: 'agentora/missions/phiosContextPack',
  description: 'Ask PhiOS for a MissionContextPacket without storing a mission (Agentora makes the session_id).',
  params: PrepareParams.omit({ acceptance_criteria: true }).extend({ session_id: z.string().trim().min(1).max(200).optional() }),
  result: MissionContextPacket,
  rest: { verb: 'POST', path: '/api/integrations/phios/context-pack', wire: W.contextPack },
  readOnly: true,
});

export const agentceptionHealth = defineMethod({
  method: 'agentora/missions/agentceptionHealth',
  description: 'Is AgentCeption reachable (or the mock in use)?',
  params: NoParams,
  result: BridgeHealth,
  rest: { verb: 'GET', path: '/api/integrations/agentception/health', wire: W.bridgeHealth },
  readOnly: true,
});

export const agentceptionLaunch = defineMethod({
  method: 'agentora/missions/agentceptionLaunch',
  description: 'Launch a job on AgentCeption directly, outside a mission (no timeline; prefer runs/launch).',
  params: z.object({
    mode: z.enum(['issue', 'label']).optional(),
    repo: Repo,
    role: z.string().trim().min(1).max(100).optional(),
    issue_title: Text(300),
    issue_body: z.string().max(100000).default(''),
    issue_number: zInt.pipe(z.number().int().min(1)).optional(),
    label: z.string().trim().min(1).max(200).optional(),
  }),
  result: z.object({
    run_id: z.string(),
    raw_status: z.string(),
    state: JobState,
    branch: z.string().nullable(),
    worktree: z.string().nullable(),
    batch_id: z.string().nullable(),
  }),
  rest: { verb: 'POST', path: '/api/integrations/agentception/launch', wire: W.agentceptionLaunch },
});

export const agentceptionJob = defineMethod({
  method: 'agentora/missions/agentceptionJob',
  description: 'Status of an AgentCeption job (run) by its id, with its events.',
  params: z.object({ job_id: Text(200), after_event_id: zInt.pipe(z.number().int().min(0)).optional() }),
  result: z.object({
    run_id: z.string(),
    raw_status: z.string(),
    state: JobState,
    stale: z.boolean(),
    live: z.boolean(),
    branch: z.string().nullable(),
    pr_url: z.string().nullable(),
    issue_url: z.string().nullable(),
    summary: z.string().nullable(),
    grade: z.string().nullable(),
    completed_at: z.string().nullable(),
    events: z.array(z.object({ id: z.number(), event_type: z.string(), payload: z.unknown(), recorded_at: z.string() })),
  }),
  rest: { verb: 'GET', path: '/api/integrations/agentception/jobs/:job_id', wire: W.agentceptionJob },
  readOnly: true,
});

// ---------- the loop ----------

export const prepare = defineMethod({
  method: 'agentora/missions/prepare',
  scope: 'agent',
  description: 'Prepare a mission: ask PhiOS for its context packet and store it (status `prepared`).',
  params: PrepareParams,
  result: z.object({ ok: z.boolean(), run_id: z.string(), context_packet: MissionContextPacket, run: Mission }),
  rest: { verb: 'POST', path: '/api/integrations/runs/prepare', wire: W.prepare },
});

export const LaunchParams = z
  .object({
    /** Launch this prepared mission; otherwise the fields below describe a new one. */
    run_id: z.string().trim().min(1).optional(),
    persona_id: z.string().trim().min(1).max(200).optional(),
    repo: Repo.optional(),
    mission_title: Text(300).optional(),
    objective: Text(20000).optional(),
    operator_intent: z.string().trim().max(5000).optional(),
    constraints: StrList.optional(),
    acceptance_criteria: StrList.optional(),
    dry_run: zBool.default(false),
    /** A packet the caller already has (from phios/context-pack); PhiOS is not asked again. */
    prepared_packet: MissionContextPacket.optional(),
    /** Default: the settings agentora.agentception.launchMode / .role / .label (AGENTORA_AGENTCEPTION_*). */
    mode: z.enum(['issue', 'label']).optional(),
    role: z.string().trim().min(1).max(100).optional(),
    issue_number: zInt.pipe(z.number().int().min(1)).optional(),
    label: z.string().trim().min(1).max(200).optional(),
    /** Watch the mission after launch (the watcher refreshes it in the background). */
    watch: zBool.default(true),
  })
  .superRefine((v, ctx) => {
    if (v.run_id) return;
    for (const f of ['repo', 'mission_title', 'objective'] as const) {
      if (!v[f]) ctx.addIssue({ code: 'custom', path: [f], message: `required when run_id is not given` });
    }
    // Label mode asked for in the call names its label; label mode from the settings uses AGENTORA_AGENTCEPTION_LABEL.
    if (v.mode === 'label' && !v.label) ctx.addIssue({ code: 'custom', path: ['label'], message: 'required in label mode' });
  });
export type LaunchParams = z.input<typeof LaunchParams>;

export const launch = defineMethod({
  method: 'agentora/missions/launch',
  scope: 'agent',
  description:
    'Launch a mission on AgentCeption (the brief is rendered into issue_body). A dry run never calls AgentCeption and records what it would send. An upstream failure is recorded on the mission (ok:false).',
  params: LaunchParams,
  result: z.object({
    ok: z.boolean(),
    run_id: z.string(),
    dry_run: z.boolean(),
    run: Mission,
    error: z.string().nullable(),
    fix_hint: z.string().nullable(),
  }),
  rest: { verb: 'POST', path: '/api/integrations/runs/launch', wire: W.launch },
});

const DateParam = z
  .string()
  .trim()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO date or date-time');

/** The list filters as a plain object (MCP shows its fields); ListParams adds the checks and defaults. */
export const ListFilters = z
  .object({
    status: MissionStatus.optional(),
    repo: z.string().trim().min(1).max(300).optional(),
    persona_id: z.string().trim().min(1).max(200).optional(),
    writeback_status: WritebackStatus.optional(),
    confidence_level: Level.optional(),
    mission_score_min: zNum.pipe(z.number().min(0).max(100)).optional(),
    mission_score_max: zNum.pipe(z.number().min(0).max(100)).optional(),
    start_date: DateParam.optional(),
    end_date: DateParam.optional(),
    search: z.string().trim().min(1).max(200).optional(),
    watched: zBool.optional(),
    /** Also answer each mission in full (`records`), as the REST history does. */
    full: zBool.optional(),
    ...pagination(50, 500),
  })
  .refine((v) => v.mission_score_min === undefined || v.mission_score_max === undefined || v.mission_score_min <= v.mission_score_max, {
    path: ['mission_score_min'],
    message: 'must not be greater than mission_score_max',
  });
export const ListParams = ListFilters.default({ limit: 50, offset: 0 });
export type ListParams = z.output<typeof ListParams>;

export const list = defineMethod({
  method: 'agentora/missions/list',
  scope: 'agent',
  description: 'Mission history with filters, newest first (created_at, then run_id), paginated.',
  params: ListParams,
  result: z.object({
    ok: z.boolean(),
    items: z.array(MissionSummary),
    records: z.array(Mission).optional(),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  }),
  rest: { verb: 'GET', path: '/api/integrations/runs', wire: W.list },
  readOnly: true,
});

const RunRef = z.object({ run_id: Text(200) });

export const get = defineMethod({
  method: 'agentora/missions/get',
  scope: 'agent',
  description: 'One mission in full: context packet, brief, launch request, outcome, artifacts, scores.',
  params: RunRef,
  result: z.object({ ok: z.boolean(), run: Mission }),
  rest: { verb: 'GET', path: '/api/integrations/runs/:run_id', wire: W.flat },
  readOnly: true,
});

export const refresh = defineMethod({
  method: 'agentora/missions/refresh',
  scope: 'agent',
  description: 'Read the job state, events and artifacts from AgentCeption now. An upstream failure is recorded on the mission (ok:false).',
  params: RunRef,
  result: z.object({ ok: z.boolean(), changed: z.boolean(), run: Mission, error: z.string().nullable(), fix_hint: z.string().nullable() }),
  rest: { verb: 'POST', path: '/api/integrations/runs/:run_id/refresh', wire: W.flat },
});

export const watch = defineMethod({
  method: 'agentora/missions/watch',
  description: 'Let the background watcher refresh this mission until it ends.',
  params: RunRef,
  result: z.object({ ok: z.boolean(), run: Mission }),
  rest: { verb: 'POST', path: '/api/integrations/runs/:run_id/watch', wire: W.flat },
});

export const unwatch = defineMethod({
  method: 'agentora/missions/unwatch',
  description: 'Stop the background watcher refreshing this mission.',
  params: RunRef,
  result: z.object({ ok: z.boolean(), run: Mission }),
  rest: { verb: 'POST', path: '/api/integrations/runs/:run_id/unwatch', wire: W.flat },
});

export const writeback = defineMethod({
  method: 'agentora/missions/writeback',
  scope: 'agent',
  description:
    'Write the mission outcome back to PhiOS (with operator notes and tags). A failure is recorded on the mission with its fix (ok:false).',
  params: RunRef.extend({ operator_notes: z.string().max(10000).default(''), tags: z.array(z.string().trim().min(1).max(100)).max(50).default([]) }),
  result: z.object({ ok: z.boolean(), run: Mission, writeback: WritebackRecord }),
  rest: { verb: 'POST', path: '/api/integrations/runs/:run_id/writeback', wire: W.writeback },
});

export const timeline = defineMethod({
  method: 'agentora/missions/timeline',
  scope: 'agent',
  description: 'The mission timeline: every state change, job event, writeback and error, oldest first.',
  params: RunRef.extend(pagination(500, 5000)),
  result: z.object({ ok: z.boolean(), run_id: z.string(), events: z.array(TimelineEvent), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/integrations/runs/:run_id/timeline', wire: W.timeline },
  readOnly: true,
});

const Side = z.object({
  run_id: z.string(),
  mission_title: z.string(),
  repo: z.string(),
  status: MissionStatus,
  summary: z.string().nullable(),
  pr_url: z.string().nullable(),
  branch: z.string().nullable(),
  writeback_status: WritebackStatus,
  /** From the context packet: recommended next actions, success criteria and risk flag names. */
  recommended_followups: z.array(z.string()),
  success_criteria: z.array(z.string()),
  risk_flags: z.array(z.string()),
  outcome_hash: z.string().nullable(),
});
export const FieldDiff = z.object({ field: z.string(), left: z.unknown(), right: z.unknown(), severity: z.enum(['info', 'low', 'medium', 'high']) });

export const compare = defineMethod({
  method: 'agentora/missions/compare',
  scope: 'agent',
  description:
    'Structured compare of two missions: field diffs with severity, state, outcome, artifacts, timeline lengths and scores (severities and scores are heuristic).',
  params: z.object({ left_run_id: Text(200), right_run_id: Text(200) }),
  result: z.object({
    ok: z.boolean(),
    left: Side,
    right: Side,
    field_diffs: z.array(FieldDiff),
    state: z.object({ left: MissionStatus, right: MissionStatus, same: z.boolean() }),
    outcome: z.object({
      same: z.boolean(),
      left_summary: z.string().nullable(),
      right_summary: z.string().nullable(),
      left_pr_url: z.string().nullable(),
      right_pr_url: z.string().nullable(),
    }),
    artifacts: z.object({
      left_count: z.number().int(),
      right_count: z.number().int(),
      only_left: z.array(z.string()),
      only_right: z.array(z.string()),
      common: z.array(z.string()),
    }),
    timeline: z.object({ left_length: z.number().int(), right_length: z.number().int() }),
    scores: z.object({
      left: z.object({ mission_score: z.number(), confidence_level: Level, risk_level: Level }),
      right: z.object({ mission_score: z.number(), confidence_level: Level, risk_level: Level }),
      score_delta: z.number(),
    }),
    severity: z.enum(['info', 'low', 'medium', 'high']),
    heuristic: z.literal(true),
  }),
  rest: { verb: 'GET', path: '/api/integrations/runs/compare', wire: W.compare },
  readOnly: true,
});

export const snapshot = defineMethod({
  method: 'agentora/missions/snapshot',
  scope: 'agent',
  description: "Stable hash (sha256 over canonical JSON) of the mission's immutable content; it never changes on refresh, watch or writeback.",
  params: RunRef,
  result: z.object({
    ok: z.boolean(),
    run_id: z.string(),
    algorithm: z.literal('sha256'),
    snapshot_hash: z.string(),
    verified: z.boolean(),
    content: z.record(z.string(), z.unknown()),
  }),
  rest: { verb: 'GET', path: '/api/integrations/runs/:run_id/snapshot', wire: W.snapshot },
  readOnly: true,
});

export const WatcherEvent = z.object({
  id: z.number().int(),
  created_at: z.string(),
  kind: z.string(),
  run_id: z.string().nullable(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const watcherEvents = defineMethod({
  method: 'agentora/missions/watcherEvents',
  description: 'What the background watcher did, newest first.',
  params: z.object({ limit: zInt.pipe(z.number().int().min(1).max(500)).default(50) }).default({ limit: 50 }),
  result: z.object({ ok: z.boolean(), events: z.array(WatcherEvent) }),
  rest: { verb: 'GET', path: '/api/integrations/watcher/events', wire: W.watcherEvents },
  readOnly: true,
});

export const WatcherStats = z.object({
  enabled: z.boolean(),
  running: z.boolean(),
  interval_seconds: z.number(),
  cycles: z.number().int(),
  last_cycle_at: z.string().nullable(),
  last_cycle_ms: z.number().nullable(),
  last_cycle_refreshed: z.number().int(),
  last_cycle_errors: z.number().int(),
  skipped_overlaps: z.number().int(),
});

export const metrics = defineMethod({
  method: 'agentora/missions/metrics',
  description: 'Mission counts by status, writeback and confidence; writebacks; the watcher.',
  params: NoParams,
  result: z.object({
    ok: z.boolean(),
    total: z.number().int(),
    by_status: z.record(z.string(), z.number()),
    by_writeback_status: z.record(z.string(), z.number()),
    by_confidence_level: z.record(z.string(), z.number()),
    watched_active: z.number().int(),
    average_score: z.number().nullable(),
    writebacks: z.record(z.string(), z.number()),
    watcher: WatcherStats,
    // The earlier product's counters (wire-shapes.md), kept in mission_counters so this never scans missions.
    refresh_attempts: z.number().int(),
    refresh_successes: z.number().int(),
    refresh_failures: z.number().int(),
    average_refresh_latency_ms: z.number(),
    last_refresh_latency_ms: z.number(),
    skipped_writebacks_debounce: z.number().int(),
    skipped_writebacks_duplicate_hash: z.number().int(),
    successful_writebacks: z.number().int(),
    failed_writebacks: z.number().int(),
    terminal_runs_completed_by_watcher: z.number().int(),
  }),
  rest: {
    verb: 'GET',
    path: '/api/integrations/metrics',
    wire: {
      schema: z.looseObject({
        refresh_attempts: z.number().int(),
        refresh_successes: z.number().int(),
        refresh_failures: z.number().int(),
        average_refresh_latency_ms: z.number(),
        last_refresh_latency_ms: z.number(),
        skipped_writebacks_debounce: z.number().int(),
        skipped_writebacks_duplicate_hash: z.number().int(),
        successful_writebacks: z.number().int(),
        failed_writebacks: z.number().int(),
        runs_currently_watched: z.number().int(),
        terminal_runs_completed_by_watcher: z.number().int(),
      }),
      toWire: (r: { watched_active: number }) => ({ ...r, runs_currently_watched: r.watched_active }),
    },
  },
  readOnly: true,
});

// ---------- the earlier product's MCP compatibility door (beside the real MCP endpoint at /mcp) ----------

export const mcpCapabilities = defineMethod({
  scope: 'agent',
  method: 'agentora/missions/mcpCapabilities',
  description: 'The mission tools the MCP door offers (after read-only mode and the allowed-tools list). 404 when MCP is disabled.',
  params: NoParams,
  result: z.object({
    ok: z.boolean(),
    read_only: z.boolean(),
    endpoint: z.string(),
    tools: z.array(z.object({ name: z.string(), title: z.string(), description: z.string(), read_only: z.boolean() })),
  }),
  rest: { verb: 'GET', path: '/api/integrations/mcp/capabilities', wire: W.mcpCapabilities },
  readOnly: true,
});

export const mcpCall = defineMethod({
  scope: 'agent',
  method: 'agentora/missions/mcpCall',
  description: 'Call one mission tool by name (the MCP policy applies: enabled, read-only, allowed tools; a refusal is recorded).',
  params: z.object({ tool: z.string().trim().min(1).max(100), args: z.record(z.string(), z.unknown()).default({}) }),
  result: z.object({ ok: z.boolean(), tool: z.string(), result: z.unknown() }),
  rest: { verb: 'POST', path: '/api/integrations/mcp/call', wire: W.mcpCall },
});

// ---------- notifications ----------

export const didChange = defineNotification({
  name: 'agentora/missions/didChange',
  description: 'A mission changed (prepared, launched, state, outcome, writeback, watch, error). Panels re-read it.',
  payload: z.object({ run_id: z.string(), status: MissionStatus, event: z.string(), watched: z.boolean(), updated_at: z.string() }),
});

export const didFinish = defineNotification({
  name: 'agentora/missions/didFinish',
  description: 'A mission reached a terminal state (succeeded, failed, cancelled). The extension notifies when it was watched.',
  payload: z.object({
    run_id: z.string(),
    status: MissionStatus,
    mission_title: z.string(),
    repo: z.string(),
    pr_url: z.string().nullable(),
    branch: z.string().nullable(),
    summary: z.string().nullable(),
    was_watched: z.boolean(),
  }),
});

export const missionsMethods = [
  status,
  enableIntegration,
  phiosHealth,
  phiosPersona,
  phiosContextPack,
  agentceptionHealth,
  agentceptionLaunch,
  agentceptionJob,
  prepare,
  launch,
  list,
  get,
  refresh,
  watch,
  unwatch,
  writeback,
  timeline,
  compare,
  snapshot,
  watcherEvents,
  metrics,
  mcpCapabilities,
  mcpCall,
] as const;
export const missionsNotifications = [didChange, didFinish] as const;
