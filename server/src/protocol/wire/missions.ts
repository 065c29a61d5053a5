// Wire shapes of the Software Missions routes (wire-shapes.md "Software Missions"): the packet at the top level
// for prepare, the earlier product's flat mission record for launch / get / refresh / watch, a bare array with
// X-Total-Count for the history, and the earlier compare / timeline / snapshot / metrics / writeback shapes.
// Our statuses are richer than the earlier product's: `status` stays ours, `legacy_status` carries the earlier
// vocabulary (LEGACY_STATUS below), and `writeback_status` uses the earlier vocabulary (`writeback_state` is ours).
import { z } from 'zod';
import type { Mission, MissionStatus, MissionSummary, TimelineEvent, WritebackRecord, WritebackStatus } from '../missions';
import { loose } from './common';

/** Our mission status → the earlier product's (draft, preparing_launch, launched, running, queued, completed, failed, cancelled, error). */
export const LEGACY_STATUS: Record<MissionStatus, string> = {
  prepared: 'draft',
  dry_run: 'draft',
  launch_failed: 'error',
  launch_unknown: 'error',
  queued: 'queued',
  running: 'running',
  blocked: 'running',
  unknown: 'launched',
  succeeded: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};
/** Earlier status names accepted by the history filter (one-to-one ones only). */
const FROM_LEGACY_STATUS: Record<string, MissionStatus> = { draft: 'prepared', completed: 'succeeded', error: 'launch_failed' };
export const LEGACY_WRITEBACK: Record<WritebackStatus, 'not_written' | 'written' | 'failed'> = {
  none: 'not_written',
  pending: 'not_written',
  succeeded: 'written',
  skipped: 'written',
  failed: 'failed',
};
const FROM_LEGACY_WRITEBACK: Record<string, WritebackStatus> = { not_written: 'none', written: 'succeeded' };

const str = z.string();
const nstr = z.string().nullable();
const DECISION = ['undecided', 'shortlisted', 'eliminated'] as const;

/** The flat mission record: every field the earlier product's clients read, all present. */
export const FlatMission = loose({
  id: str,
  created_at: str,
  updated_at: str,
  status: str,
  legacy_status: str,
  persona_id: str,
  repo: str,
  mission_title: str,
  objective: str,
  operator_intent: str,
  context_summary: str,
  dispatch_brief: str,
  acceptance_criteria_json: str,
  constraints_json: str,
  success_criteria_json: str,
  recommended_actions_json: str,
  phios_session_id: str,
  phios_packet_json: str,
  agentception_job_id: nstr,
  agentception_status: nstr,
  branch: nstr,
  pr_url: nstr,
  issue_urls_json: str,
  artifact_urls_json: str,
  summary: nstr,
  error_message: nstr,
  writeback_status: z.enum(['not_written', 'written', 'failed']),
  writeback_at: nstr,
  writeback_error: nstr,
  last_outcome_hash: nstr,
  last_writeback_hash: nstr,
  writeback_policy: str,
  auto_writeback_enabled: z.boolean(),
  watch_enabled: z.boolean(),
  last_refreshed_at: nstr,
  watch_error: nstr,
  refresh_count: z.number().int().nullable(),
  mission_score: z.number().int().min(0).max(100),
  confidence_level: z.enum(['low', 'medium', 'high']),
  completion_signal: z.number(),
  result_quality_signal: z.number(),
  writeback_readiness_signal: z.number(),
  risk_signal: z.enum(['low', 'medium', 'high']),
  snapshot_hash: str,
  parent_run_id: nstr,
  root_run_id: nstr,
  lineage_depth: z.number().int(),
  replay_source_snapshot_hash: nstr,
  replay_kind: nstr,
  provenance_note: nstr,
  fork_reason: nstr,
  immutable_origin_created_at: str,
  branch_set_id: nstr,
  branch_label: nstr,
  branch_strategy: nstr,
  decision_status: z.enum(DECISION),
  shortlisted: z.boolean(),
  eliminated: z.boolean(),
  branch_order: z.number().int().nullable(),
  decision_note: nstr,
  assigned_persona_id: nstr,
  assigned_persona_name: nstr,
  assigned_persona_role: nstr,
  persona_strategy_overlay: nstr,
  persona_assignment_reason: nstr,
  operator_override_status: z.enum(['none', 'accept_recommendation', 'reject_recommendation', 'manual_override']),
  operator_override_note: nstr,
  recommendation_state: z.enum(['pending', 'accepted', 'rejected', 'overridden']),
});

const TERMINAL_OK: MissionStatus[] = ['succeeded'];
const ACTIVE: MissionStatus[] = ['queued', 'running', 'blocked', 'unknown'];

/** Our mission → the earlier product's flat record (our own fields stay beside it, under their own names). */
export function flatMission(m: Mission) {
  const p = m.context_packet;
  const decision = (DECISION as readonly string[]).includes(m.decision_state) ? (m.decision_state as (typeof DECISION)[number]) : 'undecided';
  return {
    ...m,
    id: m.run_id,
    legacy_status: LEGACY_STATUS[m.status],
    writeback_state: m.writeback_status,
    writeback_status: LEGACY_WRITEBACK[m.writeback_status],
    context_summary: p.summary,
    dispatch_brief: m.brief_markdown ?? p.dispatch_brief.objective,
    acceptance_criteria_json: JSON.stringify(m.acceptance_criteria),
    constraints_json: JSON.stringify(m.constraints),
    success_criteria_json: JSON.stringify(p.success_criteria),
    recommended_actions_json: JSON.stringify(p.recommended_next_actions),
    phios_session_id: m.session_id,
    phios_packet_json: JSON.stringify(p),
    agentception_job_id: m.job_id,
    agentception_status: m.job_raw_status ?? m.job_state,
    issue_urls_json: JSON.stringify(m.issue_url ? [m.issue_url] : []),
    artifact_urls_json: JSON.stringify(m.artifacts.map((a) => a.path)),
    error_message: m.last_error,
    writeback_at: m.last_writeback_at,
    writeback_error: m.writeback_status === 'failed' ? m.last_error : null,
    last_outcome_hash: m.outcome_hash,
    last_writeback_hash: m.last_writeback_hash,
    writeback_policy: 'debounced_auto_when_watched',
    auto_writeback_enabled: m.watched,
    watch_enabled: m.watched,
    watch_error: m.watched ? m.last_error : null,
    // Not counted per mission (the metrics route counts refreshes per server): 0 before the first refresh, else unknown.
    refresh_count: m.last_refreshed_at === null ? 0 : null,
    mission_score: Math.max(0, Math.min(100, Math.round(m.mission_score))),
    completion_signal: TERMINAL_OK.includes(m.status) ? 1 : ACTIVE.includes(m.status) ? 0.5 : 0,
    result_quality_signal: (m.pr_url ? 0.5 : 0) + (m.summary ? 0.5 : 0),
    writeback_readiness_signal: m.terminal && m.summary ? 1 : 0,
    risk_signal: m.risk_level,
    replay_source_snapshot_hash: m.source_snapshot_hash,
    immutable_origin_created_at: m.created_at,
    branch_strategy: m.strategy,
    decision_status: decision,
    shortlisted: decision === 'shortlisted',
    eliminated: decision === 'eliminated',
    branch_order: null,
    decision_note: null,
    assigned_persona_id: p.persona.id || m.persona_id,
    assigned_persona_name: p.persona.name,
    assigned_persona_role: p.persona.role,
    persona_strategy_overlay: m.persona_overlay,
    persona_assignment_reason: m.persona_assignment_reason,
    operator_override_status: m.operator_override_status as 'none' | 'accept_recommendation' | 'reject_recommendation' | 'manual_override',
    operator_override_note: m.operator_override_note,
    recommendation_state: m.recommendation_state as 'pending' | 'accepted' | 'rejected' | 'overridden',
  };
}

// ---------- the loop ----------

const Packet = loose({
  session_id: str,
  persona: loose({ id: str, name: str, role: str, style: str, goals: z.array(str), constraints: z.array(str) }),
  mission_title: str,
  mission_objective: str,
  repo: str,
  operator_intent: str,
  summary: str,
  memory_snippets: z.array(loose({ id: str, text: str, source: str, score: z.number() })),
  constraints: z.array(str),
  recommended_next_actions: z.array(str),
  coding_style_preferences: z.array(loose({ name: str, detail: str })),
  architectural_principles: z.array(loose({ name: str, rationale: str })),
  risk_flags: z.array(loose({ name: str, severity: str, mitigation: str })),
  success_criteria: z.array(loose({ name: str, metric: str })),
  dispatch_brief: loose({ objective: str, scope: z.array(str), non_goals: z.array(str) }),
  generated_at: str,
});

type PrepareResult = { ok: boolean; run_id: string; context_packet: Mission['context_packet']; run: Mission };
export const prepare = {
  schema: Packet.extend({ run_id: str }),
  // The packet itself at the top level, plus our run_id (so launch can take this body back as prepared_packet).
  // (`context_packet` and `run` stay beside it, as our own clients read them.)
  toWire: (r: PrepareResult) => ({
    ...r.context_packet,
    ok: r.ok,
    run_id: r.run_id,
    status: r.run.status,
    legacy_status: LEGACY_STATUS[r.run.status],
    context_packet: r.context_packet,
    run: r.run,
  }),
};

/**
 * Earlier clients send prepare's answer back unchanged as `prepared_packet` with the mission fields. When that
 * packet names one of our prepared missions (its `run_id`), launch that one rather than preparing it twice.
 */
export function launchFromWire(input: Record<string, unknown>): Record<string, unknown> {
  const packet = input.prepared_packet;
  if (!packet || typeof packet !== 'object' || Array.isArray(packet)) return input;
  const pp = packet as Record<string, unknown>;
  const out: Record<string, unknown> = { ...input, prepared_packet: { source: 'local', ...pp } };
  if (out.run_id === undefined && typeof pp.run_id === 'string') out.run_id = pp.run_id;
  return out;
}

type LaunchResult = { ok: boolean; run_id: string; dry_run: boolean; run: Mission; error: string | null; fix_hint: string | null };
export const launch = {
  schema: FlatMission,
  toWire: (r: LaunchResult) => ({ ...flatMission(r.run), ok: r.ok, run_id: r.run_id, error: r.error, fix_hint: r.fix_hint, run: r.run }),
  fromWire: launchFromWire,
};

type RunResult = { ok: boolean; run: Mission; changed?: boolean; error?: string | null; fix_hint?: string | null };
export const flat = {
  schema: FlatMission,
  toWire: (r: RunResult) => {
    // The flat record at the top level (the earlier shape), our mission as it is under `run` (our clients' shape).
    return { ...flatMission(r.run), ...r };
  },
};

type ListResult = { items: MissionSummary[]; records?: Mission[]; total: number };
export const list = {
  schema: z.array(FlatMission),
  toWire: (r: ListResult) => (r.records ?? []).map(flatMission),
  headers: (r: ListResult) => ({ 'X-Total-Count': String(r.total) }),
  fromWire: (input: Record<string, unknown>) => {
    const out: Record<string, unknown> = { ...input, full: true };
    if (typeof input.status === 'string' && FROM_LEGACY_STATUS[input.status]) out.status = FROM_LEGACY_STATUS[input.status];
    if (typeof input.writeback_status === 'string' && FROM_LEGACY_WRITEBACK[input.writeback_status])
      out.writeback_status = FROM_LEGACY_WRITEBACK[input.writeback_status];
    return out;
  },
};

type WritebackResult = { ok: boolean; run: Mission; writeback: WritebackRecord };
export const writeback = {
  schema: loose({ ok: z.boolean(), result: loose({ status: str }) }),
  toWire: (r: WritebackResult) => ({ ...r, result: { ...r.writeback, writeback_status: LEGACY_WRITEBACK[r.run.writeback_status] } }),
};

type TimelineResult = { ok: boolean; run_id: string; events: TimelineEvent[]; total: number };
export const timeline = {
  schema: loose({ run_id: str, events: z.array(loose({ event: str, at: str, status: nstr })) }),
  toWire: (r: TimelineResult) => ({
    ...r,
    events: r.events.map((e) => ({ ...e, event: e.type, at: e.created_at, status: e.to_status ?? e.from_status })),
  }),
};

// ---------- compare ----------

type Side = {
  run_id: string;
  mission_title: string;
  repo: string;
  status: MissionStatus;
  pr_url: string | null;
  summary: string | null;
  branch: string | null;
  writeback_status: WritebackStatus;
  recommended_followups: string[];
  success_criteria: string[];
  risk_flags: string[];
  outcome_hash: string | null;
};
type CompareResult = {
  left: Side;
  right: Side;
  field_diffs: { field: string; left: unknown; right: unknown; severity: 'info' | 'low' | 'medium' | 'high' }[];
  timeline: { left_length: number; right_length: number };
  severity: 'info' | 'low' | 'medium' | 'high';
  outcome: { same: boolean };
  scores: { score_delta: number };
};
const Severity = z.enum(['none', 'low', 'medium', 'high', 'critical']);
const WireSide = loose({
  id: str,
  mission_title: str,
  repo: str,
  status: str,
  pr_url: nstr,
  summary: nstr,
  recommended_followups: z.array(str),
  writeback_status: str,
});
const Delta = loose({ only_left: z.array(str), only_right: z.array(str) });
/** Our severities (info…high) in the earlier vocabulary: a difference that only informs is `low`; no difference is `none`. */
const legacySeverity = (s: 'info' | 'low' | 'medium' | 'high') => (s === 'info' ? 'low' : s);
function delta(l: string[], r: string[]) {
  const ls = new Set(l);
  const rs = new Set(r);
  return { only_left: l.filter((x) => !rs.has(x)), only_right: r.filter((x) => !ls.has(x)), common: l.filter((x) => rs.has(x)) };
}
const wireSide = (s: Side) => ({
  ...s,
  id: s.run_id,
  writeback_status: LEGACY_WRITEBACK[s.writeback_status],
  legacy_status: LEGACY_STATUS[s.status],
});

export const compare = {
  schema: loose({
    left: WireSide,
    right: WireSide,
    field_differences: z.record(str, loose({ left: z.unknown(), right: z.unknown() })),
    field_severity: z.record(str, Severity),
    overall_severity: Severity,
    summary_similarity_note: str,
    recommended_followups_delta: Delta,
    success_criteria_delta: Delta,
    risk_flags_delta: Delta,
    outcome_hash_equal: z.boolean(),
    timeline_length_comparison: loose({ left: z.number().int(), right: z.number().int() }),
    interpretation: str,
  }),
  toWire: (r: CompareResult) => {
    const overall = r.field_diffs.length === 0 ? 'none' : legacySeverity(r.severity);
    const sameSummary = (r.left.summary ?? '') === (r.right.summary ?? '');
    return {
      ...r,
      left: wireSide(r.left),
      right: wireSide(r.right),
      field_differences: Object.fromEntries(r.field_diffs.map((d) => [d.field, { left: d.left, right: d.right }])),
      field_severity: Object.fromEntries(r.field_diffs.map((d) => [d.field, legacySeverity(d.severity)])),
      overall_severity: overall,
      summary_similarity_note: sameSummary ? (r.left.summary ? 'summaries are identical' : 'neither mission has a summary yet') : 'summaries differ',
      recommended_followups_delta: delta(r.left.recommended_followups, r.right.recommended_followups),
      success_criteria_delta: delta(r.left.success_criteria, r.right.success_criteria),
      risk_flags_delta: delta(r.left.risk_flags, r.right.risk_flags),
      outcome_hash_equal: r.left.outcome_hash !== null && r.left.outcome_hash === r.right.outcome_hash,
      timeline_length_comparison: { left: r.timeline.left_length, right: r.timeline.right_length },
      interpretation:
        overall === 'none'
          ? 'The two missions do not differ in the compared fields (heuristic).'
          : `Heuristic: ${r.field_diffs.length} field(s) differ, the most important at ${overall} severity (${r.field_diffs.map((d) => d.field).join(', ')}); score delta ${r.scores.score_delta}.`,
    };
  },
};

type SnapshotResult = {
  ok: boolean;
  run_id: string;
  algorithm: 'sha256';
  snapshot_hash: string;
  verified: boolean;
  content: Record<string, unknown>;
};
export const snapshot = {
  schema: loose({ snapshot_hash: str }),
  toWire: (r: SnapshotResult) => ({ ...r.content, ...r }),
};

// Routes whose answer is the service result as it is (http-api.md names them; wire-shapes.md gives no other shape).
const Health = loose({ ok: z.boolean(), name: str, detail: str });
export const bridgeHealth = { schema: Health };
export const status = { schema: loose({ ok: z.boolean(), mock: z.boolean(), phios: Health, agentception: Health }) };
export const enable = { schema: loose({ ok: z.boolean(), name: str, enabled: z.boolean() }) };
export const persona = { schema: loose({ ok: z.boolean(), persona: loose({ id: str, name: str }) }) };
export const contextPack = { schema: Packet };
export const agentceptionLaunch = { schema: loose({ run_id: str, state: str }) };
export const agentceptionJob = { schema: loose({ run_id: str, state: str, events: z.array(z.unknown()) }) };
export const watcherEvents = { schema: loose({ ok: z.boolean(), events: z.array(loose({ id: z.number().int(), kind: str })) }) };
export const mcpCapabilities = { schema: loose({ ok: z.boolean(), read_only: z.boolean(), tools: z.array(loose({ name: str })) }) };
export const mcpCall = { schema: loose({ ok: z.boolean(), result: z.unknown() }) };
