// Audit reads (brief phase J): a mission's decision events and summary, a lineage's decision audit, the global
// timeline of the Audit panel, persona compare and the audit export.
import type { ServerContext } from '../../../context';
import { getRow } from '../loop';
import { decisionStore } from './decisions';
import { prep, rootOf } from './analytics';
import { effectivePolicy } from './policy';
import { personaNameOf } from './recommend';
import type { MissionRow } from '../store';

export function auditSummary(ctx: ServerContext, runId: string) {
  const row = getRow(ctx, runId);
  const store = decisionStore(ctx.db);
  const s = store.stats({ run: row.id });
  return {
    ok: true,
    run_id: row.id,
    root_run_id: row.root_mission_id,
    total_decision_events: s.total,
    operator_events: s.operator_events,
    system_events: s.system_events,
    policy_blocked_events: s.policy_blocked_events,
    by_type: s.by_type,
    latest_events: store.ofRun(row.id, 10, 0).events,
  };
}

/** Decision counts by run of a lineage, as one JSON text (exported for the benchmark's bare SQL). */
export const BY_RUN_SQL = `SELECT json_group_array(json_object('run_id', run_id, 'count', n)) FROM
  (SELECT mission_id AS run_id, count(*) AS n FROM mission_decisions WHERE root_mission_id = @root GROUP BY mission_id)`;

export function decisionAudit(ctx: ServerContext, rootId: string, page: { limit: number; offset: number }) {
  const root = rootOf(ctx, rootId);
  const eff = effectivePolicy(ctx, root);
  // Counts by type and actor (a few rows), and by run (one per run: handed over by SQLite as one JSON text, not
  // a row object each), both streamed from the covering indexes of migration 44; then the page of events.
  const store = decisionStore(ctx.db);
  const s = store.stats({ root });
  const by_run = (JSON.parse(prep(ctx.db, BY_RUN_SQL).pluck().get({ root }) as string) as { run_id: string; count: number }[]).sort(
    (a, b) => b.count - a.count || (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0),
  );
  const events = store.page({ root, ...page });
  return {
    ok: true,
    root_run_id: root,
    policy: { source: eff.source, template_name: eff.template_name, rules: eff.policy },
    total_decision_events: s.total,
    operator_events: s.operator_events,
    system_events: s.system_events,
    policy_blocked_events: s.policy_blocked_events,
    by_type: s.by_type,
    by_run,
    total: s.total,
    events,
  };
}

export function timeline(
  ctx: ServerContext,
  p: { root_run_id?: string; actor_kind?: 'operator' | 'system'; event_type?: string; policy_blocked_only: boolean; limit: number; offset: number },
) {
  const root = p.root_run_id ? rootOf(ctx, p.root_run_id) : undefined;
  const store = decisionStore(ctx.db);
  const types = p.policy_blocked_only ? ['policy_blocked_action'] : p.event_type ? [p.event_type] : undefined;
  const q = store.query({ root, types, actor_kind: p.actor_kind, limit: p.limit, offset: p.offset });
  return { ok: true, total: q.total, events: q.events, stats: store.stats({ root }) };
}

export function exportAudit(ctx: ServerContext, p: { root_run_id?: string; limit: number }) {
  const root = p.root_run_id ? rootOf(ctx, p.root_run_id) : undefined;
  const store = decisionStore(ctx.db);
  return {
    exported_at: new Date().toISOString(),
    kind: 'audit-summary' as const,
    filters: (root ? { root_run_id: root } : {}) as Record<string, string>,
    rollup: store.stats({ root }),
    events: store.query({ root, limit: p.limit, offset: 0 }).events,
  };
}

const side = (r: MissionRow) => ({
  run_id: r.id,
  persona_id: r.persona_id,
  persona_name: personaNameOf(r),
  persona_overlay: r.persona_overlay,
  strategy: r.strategy,
  status: r.status,
  mission_score: r.mission_score,
  risk_level: r.risk_level,
  confidence_level: r.confidence_level,
  pr_url: r.pr_url,
  decision_state: r.decision_state,
  recommendation_state: r.recommendation_state,
  operator_override_status: r.operator_override_status,
});

export function personaCompare(ctx: ServerContext, runId: string, otherId: string) {
  const a = getRow(ctx, runId);
  const b = getRow(ctx, otherId);
  const left = side(a);
  const right = side(b);
  const field_differences: Record<string, { left: unknown; right: unknown }> = {};
  for (const k of Object.keys(left) as (keyof typeof left)[])
    if (k !== 'run_id' && left[k] !== right[k]) field_differences[k] = { left: left[k], right: right[k] };
  const notes: string[] = [];
  const d = a.mission_score - b.mission_score;
  if (Math.abs(d) >= 10) notes.push(`${d > 0 ? a.persona_id : b.persona_id} scored ${Math.abs(Math.round(d))} points higher`);
  if (a.risk_level !== b.risk_level) notes.push(`risk differs (${a.risk_level} vs ${b.risk_level})`);
  if (!!a.pr_url !== !!b.pr_url) notes.push(`only ${a.pr_url ? a.persona_id : b.persona_id} opened a PR`);
  if (a.root_mission_id !== b.root_mission_id) notes.push('different lineages: the missions did not start from the same root');
  if (!notes.length) notes.push('no material persona difference');
  return {
    ok: true,
    run_id: a.id,
    other_run_id: b.id,
    left,
    right,
    field_differences,
    same_lineage: a.root_mission_id === b.root_mission_id,
    interpretation: `${notes.join('; ')}. Heuristic operator aid, not a verdict.`,
  };
}
