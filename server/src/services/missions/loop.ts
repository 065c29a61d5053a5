// The mission loop: prepare → launch → refresh → write back. Each step: upstream I/O first (async, no database
// work held open), then one small transaction that updates the mission and appends its timeline events, then
// notifications. An upstream failure never throws past here: it becomes last_error + fix_hint + an event on the
// mission, and the caller gets ok:false with the mission.
import { createHash, randomBytes } from 'node:crypto';
import type { CallInfo, ServerContext } from '../../context';
import { UpstreamError, type LaunchRequest, type MissionContextPacket, type RunStatus } from '../../bridges/missions/types';
import { AppError, conflict, notFound } from '../../protocol/errors';
import { didChange, didFinish, LaunchParams, PrepareParams, type Mission, type MissionStatus, type WritebackRecord } from '../../protocol/missions';
import type { z } from 'zod';
import { renderBrief } from './brief';
import { localMemoryFor, recordMissionContext, rememberOutcome } from './localMemory';
import { scoreMission, type Score } from './score';
import { hashOf, snapshotHash } from './snapshot';
import { missionMetrics } from './observability/metrics';
import { canTransition, hasOutcome, isActive, isLaunchable, isTerminal, statusForJob } from './stateMachine';
import { missionStore, packetOf, toMission, type Column, type MissionRow, type NewEvent } from './store';
import { bridgesOf, missionsState } from './state';
import { attachedFields, earlierIntent, foundChange, lookupLaunch, type LaunchIntent } from './reconcile';
import { enforce, guardWriteback } from './personas/policy';

/** Params after validation (defaults applied). */
type Prepared = z.output<typeof PrepareParams>;
type Launch = z.output<typeof LaunchParams>;

const now = () => new Date().toISOString();
const newRunId = () => `run_${randomBytes(8).toString('hex')}`;
const newSessionId = () => `ses_${randomBytes(8).toString('hex')}`;

export interface ErrorInfo {
  message: string;
  fix_hint: string;
  kind: string;
}

export function describeError(err: unknown): ErrorInfo {
  if (err instanceof UpstreamError) return { message: `${err.system}: ${err.message}`, fix_hint: err.fix_hint, kind: err.kind };
  return { message: (err as Error)?.message ?? String(err), fix_hint: 'See the Agentora log for details.', kind: 'failed' };
}

// ---------- reading ----------

export function getRow(ctx: ServerContext, id: string): MissionRow {
  const row = missionStore(ctx.db).get(id);
  if (!row) throw notFound('Mission', id);
  return row;
}

function riskFlagsOf(r: MissionRow): { severity: string }[] {
  // Scoring runs on every change (the watcher: thousands per cycle), so read only the risk flags, not the packet.
  try {
    const flags = (JSON.parse(r.packet_json) as { risk_flags?: unknown }).risk_flags;
    return Array.isArray(flags) ? flags.map((f) => ({ severity: String((f as { severity?: unknown })?.severity ?? 'medium') })) : [];
  } catch {
    return [];
  }
}

function scoreOf(ctx: ServerContext, r: MissionRow): Score {
  return scoreMission(
    {
      status: r.status,
      pr_url: r.pr_url,
      summary: r.summary,
      artifact_count: r.artifacts_json === '[]' ? 0 : (JSON.parse(r.artifacts_json) as unknown[]).length,
      acceptance_criteria_count: (JSON.parse(r.acceptance_criteria_json) as unknown[]).length,
      writeback_succeeded: r.last_writeback_at !== null,
      risk_flags: riskFlagsOf(r),
      has_error: r.last_error !== null,
    },
    ctx.config,
  );
}

export function missionOf(ctx: ServerContext, id: string): Mission {
  const row = getRow(ctx, id);
  return toMission(row, scoreOf(ctx, row).breakdown);
}

// ---------- writing ----------

/**
 * Apply a change to one mission in one transaction: update columns, re-score, append events. Returns the new
 * row. Notifications go out after the commit.
 */
export function commit(
  ctx: ServerContext,
  id: string,
  change: (row: MissionRow) => { fields: Partial<Record<Column, unknown>>; events: NewEvent[] },
  actor: string,
): { before: MissionRow; after: MissionRow } {
  const store = missionStore(ctx.db);
  const t = now();
  const result = ctx.db.transaction(() => {
    const before = getRow(ctx, id);
    const { fields, events } = change(before);
    const merged = { ...before, ...fields } as MissionRow;
    const s = scoreOf(ctx, merged);
    const scoreFields = { mission_score: s.mission_score, confidence_level: s.confidence_level, risk_level: s.risk_level };
    if (merged.status !== before.status && !canTransition(before.status, merged.status))
      throw conflict(`Mission ${id}: ${before.status} → ${merged.status} is not allowed`);
    store.update(id, { ...fields, ...scoreFields }, t);
    if (s.confidence_level !== before.confidence_level || s.risk_level !== before.risk_level) {
      events.push({
        type: 'score_changed',
        message: `score ${before.mission_score} → ${s.mission_score} (confidence ${s.confidence_level}, risk ${s.risk_level}; heuristic)`,
        data: { ...scoreFields, breakdown: s.breakdown },
      });
    }
    for (const e of events) store.appendEvent(id, { actor, ...e }, t);
    return { before, after: getRow(ctx, id), events };
  })();
  const { before, after, events } = result;
  if (events.length) {
    ctx.events.emit(didChange, {
      run_id: id,
      status: after.status,
      event: events[events.length - 1]!.type,
      watched: after.watched === 1,
      updated_at: after.updated_at,
    });
  }
  if (isTerminal(after.status) && !isTerminal(before.status)) {
    rememberOutcome(ctx, after);
    ctx.events.emit(didFinish, {
      run_id: id,
      status: after.status,
      mission_title: after.mission_title,
      repo: after.repo,
      pr_url: after.pr_url,
      branch: after.branch,
      summary: after.summary,
      was_watched: before.watched === 1,
    });
  }
  return { before, after };
}

// ---------- prepare ----------

async function contextPack(ctx: ServerContext, p: Omit<Prepared, 'acceptance_criteria'>, sessionId: string): Promise<MissionContextPacket> {
  try {
    const packet = await bridgesOf(ctx).phios.contextPack({ ...p, session_id: sessionId });
    // PhiOS never issues a session id for Agentora: ours stands unless the packet carries one.
    return { ...packet, session_id: packet.session_id || sessionId };
  } catch (err) {
    // No mission exists yet, so nothing can be lost: a clear 503 with the fix.
    const e = describeError(err);
    throw new AppError('unavailable', `Could not prepare the mission context: ${e.message}`, undefined, e.fix_hint);
  }
}

export async function packetFor(
  ctx: ServerContext,
  p: Omit<Prepared, 'acceptance_criteria'> & { session_id?: string },
): Promise<MissionContextPacket> {
  return contextPack(ctx, p, p.session_id ?? newSessionId());
}

/** Provenance of a fork (lineage/fork.ts); a mission prepared anew is its own root at depth 0. */
export type ForkOrigin = Pick<
  MissionRow,
  'parent_mission_id' | 'root_mission_id' | 'lineage_depth' | 'fork_reason' | 'source_snapshot_hash' | 'provenance_note' | 'replay_kind'
> &
  Partial<Pick<MissionRow, 'branch_set_id' | 'branch_label' | 'strategy'>>;

export function insertMission(ctx: ServerContext, p: Prepared, packet: MissionContextPacket, call: CallInfo, origin?: ForkOrigin): string {
  const id = newRunId();
  const created_at = now();
  const content = {
    run_id: id,
    created_at,
    repo: p.repo,
    persona_id: p.persona_id,
    mission_title: p.mission_title,
    objective: p.objective,
    operator_intent: p.operator_intent,
    constraints: p.constraints,
    acceptance_criteria: p.acceptance_criteria,
    session_id: packet.session_id,
    context_packet: packet,
    parent_run_id: origin?.parent_mission_id ?? null,
    root_run_id: origin?.root_mission_id ?? id,
    fork_reason: origin?.fork_reason ?? null,
    branch_set_id: origin?.branch_set_id ?? null,
    branch_label: origin?.branch_label ?? null,
  };
  const store = missionStore(ctx.db);
  const score = scoreMission(
    {
      status: 'prepared',
      pr_url: null,
      summary: null,
      artifact_count: 0,
      acceptance_criteria_count: p.acceptance_criteria.length,
      writeback_succeeded: false,
      risk_flags: packet.risk_flags,
      has_error: false,
    },
    ctx.config,
  );
  ctx.db.transaction(() => {
    store.insert({
      id,
      created_at,
      status: 'prepared',
      repo: p.repo,
      persona_id: p.persona_id,
      mission_title: p.mission_title,
      objective: p.objective,
      operator_intent: p.operator_intent,
      constraints_json: JSON.stringify(p.constraints),
      acceptance_criteria_json: JSON.stringify(p.acceptance_criteria),
      session_id: packet.session_id,
      packet_json: JSON.stringify(packet),
      snapshot_hash: snapshotHash(content),
      root_mission_id: id,
      ...(origin ?? {}),
      mission_score: score.mission_score,
      confidence_level: score.confidence_level,
      risk_level: score.risk_level,
      // Prepared against the mock integrations: marked so its outcome, links and memories are never taken for real.
      mock: packet.source === 'mock' ? 1 : 0,
    });
    const forked = origin ? ` — forked from ${origin.parent_mission_id} (${origin.replay_kind})` : '';
    store.appendEvent(
      id,
      {
        type: 'prepared',
        to_status: 'prepared',
        message: `Context packet from ${packet.source} (session ${packet.session_id})${forked}`,
        data: {
          source: packet.source,
          persona: packet.persona.id,
          ...(origin ? { parent_run_id: origin.parent_mission_id, replay_kind: origin.replay_kind } : {}),
        },
        actor: call.actor,
      },
      created_at,
    );
  })();
  const row = getRow(ctx, id);
  ctx.events.emit(didChange, { run_id: id, status: row.status, event: 'prepared', watched: false, updated_at: row.updated_at });
  return id;
}

export async function prepareMission(ctx: ServerContext, p: Prepared, call: CallInfo): Promise<Mission> {
  const packet = await contextPack(ctx, p, newSessionId());
  const local = await localMemoryFor(ctx, p.mission_title, p.objective, packet.source === 'mock');
  if (local?.snippets.length) packet.memory_snippets = [...packet.memory_snippets, ...local.snippets];
  const id = insertMission(ctx, p, packet, call);
  if (local) recordMissionContext(ctx, id, local);
  return missionOf(ctx, id);
}

// ---------- launch ----------

/** An issue number for issue mode when the operator gives none: stable per mission. */
export function derivedIssueNumber(runId: string): number {
  return (parseInt(createHash('sha256').update(runId).digest('hex').slice(0, 8), 16) % 900000) + 100000;
}

function snapshotContentOf(row: MissionRow, acceptance: string[]) {
  return {
    run_id: row.id,
    created_at: row.created_at,
    repo: row.repo,
    persona_id: row.persona_id,
    mission_title: row.mission_title,
    objective: row.objective,
    operator_intent: row.operator_intent,
    constraints: JSON.parse(row.constraints_json) as string[],
    acceptance_criteria: acceptance,
    session_id: row.session_id,
    context_packet: JSON.parse(row.packet_json) as unknown,
    parent_run_id: row.parent_mission_id,
    root_run_id: row.root_mission_id,
    fork_reason: row.fork_reason,
    branch_set_id: row.branch_set_id,
    branch_label: row.branch_label,
  };
}

export function snapshotContent(row: MissionRow) {
  return snapshotContentOf(row, JSON.parse(row.acceptance_criteria_json) as string[]);
}

export interface LaunchOutcome {
  ok: boolean;
  run: Mission;
  error: ErrorInfo | null;
}

export async function launchMission(ctx: ServerContext, p: Launch, call: CallInfo): Promise<LaunchOutcome> {
  let id = p.run_id;
  if (!id) {
    const prepared: Prepared = {
      persona_id: p.persona_id ?? 'default',
      repo: p.repo!,
      mission_title: p.mission_title!,
      objective: p.objective!,
      operator_intent: p.operator_intent ?? '',
      constraints: p.constraints ?? [],
      acceptance_criteria: p.acceptance_criteria ?? [],
    };
    const packet = p.prepared_packet
      ? { ...p.prepared_packet, session_id: p.prepared_packet.session_id || newSessionId() }
      : await contextPack(ctx, prepared, newSessionId());
    id = insertMission(ctx, prepared, packet, call);
  }
  const runId = id;
  const state = missionsState(ctx);
  if (state.launching.has(runId)) throw conflict(`Mission ${runId} is being launched already`);
  const row = getRow(ctx, runId);
  if (!isLaunchable(row.status))
    throw conflict(`Mission ${runId} is ${row.status}: only a prepared, dry-run or failed-to-launch mission can be launched`);
  if (row.mock === 1 && !p.dry_run && bridgesOf(ctx).agentception.transport !== 'mock') {
    // Its packet came from the mock PhiOS (invented memories and personas): never brief a real agent with it.
    throw conflict(
      `Mission ${runId} was prepared with the mock integrations: its context is not real. Prepare it again now that real mode is on, and launch that one.`,
    );
  }
  if (!p.dry_run) enforce(ctx, row, 'launch', {}, call); // persona policy (personas/policy.ts)
  state.launching.add(runId);
  try {
    // Acceptance criteria may still change before the mission is launched for real (its content is then fixed).
    const acceptance = p.run_id && p.acceptance_criteria ? p.acceptance_criteria : (JSON.parse(row.acceptance_criteria_json) as string[]);
    const packet = packetOf(row);
    const brief = renderBrief({
      run_id: runId,
      mission_title: row.mission_title,
      objective: row.objective,
      operator_intent: row.operator_intent,
      constraints: JSON.parse(row.constraints_json),
      acceptance_criteria: acceptance,
      packet,
    });
    // Not given in the call: the AGENTORA_AGENTCEPTION_LAUNCH_MODE / _ROLE / _LABEL settings.
    const mode = p.mode ?? ctx.config['agentception.launchMode'];
    const req: LaunchRequest = {
      mode,
      repo: row.repo,
      role: p.role ?? ctx.config['agentception.role'],
      issue_title: brief.title,
      issue_body: brief.markdown,
      ...(mode === 'issue'
        ? { issue_number: p.issue_number ?? derivedIssueNumber(runId) }
        : { label: p.label ?? ctx.config['agentception.label'], ...(p.issue_number ? { issue_number: p.issue_number } : {}) }),
    };
    const route = mode === 'issue' ? 'POST /api/dispatch/issue' : 'POST /api/dispatch/label + POST /api/runs/{run_id}/execute';
    const contentFields = (): { fields: Partial<Record<Column, unknown>>; events: NewEvent[] } => {
      const old = row.acceptance_criteria_json;
      const next = JSON.stringify(acceptance);
      if (old === next) return { fields: {}, events: [] };
      const hash = snapshotHash(snapshotContentOf(row, acceptance));
      return {
        fields: { acceptance_criteria_json: next, snapshot_hash: hash },
        events: [
          {
            type: 'content_updated',
            message: 'Acceptance criteria set before launch',
            data: { acceptance_criteria: acceptance, old_snapshot_hash: row.snapshot_hash, snapshot_hash: hash },
          },
        ],
      };
    };

    if (p.dry_run) {
      commit(
        ctx,
        runId,
        () => {
          const c = contentFields();
          return {
            fields: {
              ...c.fields,
              status: 'dry_run',
              dry_run: 1,
              brief_markdown: brief.markdown,
              launch_request_json: JSON.stringify({ route, body: req, dry_run: true }),
              last_error: null,
              fix_hint: null,
            },
            events: [
              ...c.events,
              {
                type: 'dry_run_recorded',
                from_status: row.status,
                to_status: 'dry_run',
                message: `Dry run: would send ${route} (AgentCeption was not called)`,
                data: { route, issue_title: req.issue_title, body_length: req.issue_body.length },
              },
            ],
          };
        },
        call.actor,
      );
      return { ok: true, run: missionOf(ctx, runId), error: null };
    }

    const ac = bridgesOf(ctx).agentception;
    // A launch interrupted before (launch_unknown): ask AgentCeption for the run of that earlier attempt first, and
    // attach it rather than dispatch a second agent for the same work.
    const earlier = row.status === 'launch_unknown' ? earlierIntent(row) : null;
    if (earlier) {
      const look = await lookupLaunch(ctx, runId, { ...earlier, watch: p.watch });
      if (look.kind === 'found') {
        commit(ctx, runId, (r) => foundChange(r, { ...earlier, watch: p.watch }, look.run, 'Launch asked again', now()), call.actor);
        return { ok: true, run: missionOf(ctx, runId), error: null };
      }
    }
    // The intent, committed before the dispatch is sent: after a crash the server asks AgentCeption about this key
    // (reconcile.ts) instead of leaving the mission "prepared" while a run it created goes on unseen.
    const intent: LaunchIntent = {
      mode,
      repo: row.repo,
      ...(req.issue_number !== undefined ? { issue_number: req.issue_number } : {}),
      ...(req.label !== undefined ? { label: req.label } : {}),
      mission_id: runId,
      at: now(),
      route,
      watch: p.watch,
    };
    commit(
      ctx,
      runId,
      () => {
        const c = contentFields();
        return {
          fields: {
            ...c.fields,
            brief_markdown: brief.markdown,
            launch_intent: JSON.stringify(intent),
            ...(ac.transport === 'mock' ? { mock: 1 } : {}),
          },
          events: [...c.events, { type: 'launch_requested', message: `Launching on AgentCeption: ${route}`, data: { route, mode, intent } }],
        };
      },
      call.actor,
    );
    try {
      const res = await ac.launch(req);
      const status = statusForJob(res.state);
      commit(
        ctx,
        runId,
        (r) => ({
          // Label mode: a run created whose /execute failed is kept (not lost) with a warning (see attachedFields).
          fields: attachedFields(r, res, { route, watch: p.watch }, req, now()),
          events: [
            {
              type: 'launched',
              from_status: r.status,
              to_status: status,
              message: `AgentCeption run ${res.run_id} (${res.raw_status})${res.branch ? ` on ${res.branch}` : ''}${res.warning ? ` — ${res.warning}` : ''}`,
              data: {
                job_id: res.run_id,
                raw_status: res.raw_status,
                branch: res.branch,
                worktree: res.worktree,
                batch_id: res.batch_id,
                ...(res.warning ? { warning: res.warning } : {}),
              },
            },
            ...(p.watch && !isTerminal(status)
              ? [{ type: 'watch_started' as const, message: 'Watching: the watcher refreshes this mission until it ends' }]
              : []),
          ],
        }),
        call.actor,
      );
      return { ok: true, run: missionOf(ctx, runId), error: null };
    } catch (err) {
      const e = describeError(err);
      commit(
        ctx,
        runId,
        (r) => ({
          fields: {
            status: 'launch_failed',
            launch_request_json: JSON.stringify({ route, body: req, dry_run: false }),
            launch_intent: null,
            last_error: e.message,
            fix_hint: e.fix_hint,
          },
          events: [
            {
              type: 'launch_failed',
              from_status: r.status,
              to_status: 'launch_failed',
              message: e.message,
              data: { kind: e.kind, fix_hint: e.fix_hint },
            },
          ],
        }),
        call.actor,
      );
      return { ok: false, run: missionOf(ctx, runId), error: e };
    }
  } finally {
    state.launching.delete(runId);
  }
}

// ---------- refresh ----------

export interface RefreshOutcome {
  ok: boolean;
  changed: boolean;
  run: Mission;
  error: ErrorInfo | null;
}

/** Backoff for a mission whose refresh keeps failing: interval × 2^failures, capped at 10 minutes. */
function nextRefreshAfterFailure(ctx: ServerContext, failures: number): string {
  const base = ctx.config['missions.watcherIntervalSeconds'] * 1000;
  return new Date(Date.now() + Math.min(base * 2 ** Math.min(failures, 10), 600_000)).toISOString();
}

/** Links shown to the operator must be http(s): an upstream that sends `javascript:` gets nothing shown. */
function httpUrl(u: string | null): string | null {
  if (!u) return null;
  try {
    const p = new URL(u).protocol;
    return p === 'https:' || p === 'http:' ? u : null;
  } catch {
    return null;
  }
}

export function outcomeHash(r: Pick<MissionRow, 'status' | 'summary' | 'pr_url' | 'branch' | 'artifacts_json'>): string {
  const paths = (JSON.parse(r.artifacts_json) as { path: string }[]).map((a) => a.path).sort();
  return hashOf({ status: r.status, summary: r.summary, pr_url: r.pr_url, branch: r.branch, artifacts: paths });
}

export async function refreshMission(ctx: ServerContext, id: string, call: CallInfo): Promise<RefreshOutcome> {
  const state = missionsState(ctx);
  const inFlight = state.refreshing.get(id);
  // A refresh already running for this mission (watcher + operator): share it rather than read events twice.
  if (inFlight) return inFlight as Promise<RefreshOutcome>;
  const started = performance.now();
  const p = doRefresh(ctx, id, call)
    .then((r) => (missionMetrics(ctx.db).recordRefresh(id, r.ok, performance.now() - started), r))
    .finally(() => state.refreshing.delete(id));
  state.refreshing.set(id, p);
  return p;
}

async function doRefresh(ctx: ServerContext, id: string, call: CallInfo): Promise<RefreshOutcome> {
  const row = getRow(ctx, id);
  if (!row.job_id) throw conflict(`Mission ${id} is ${row.status}: it has no AgentCeption run to refresh (launch it first)`);
  const jobId = row.job_id;
  const ac = bridgesOf(ctx).agentception;
  let st: RunStatus;
  let artifacts: Awaited<ReturnType<typeof ac.artifacts>> | null = null;
  try {
    st = await ac.status(jobId, { after_event_id: row.job_event_cursor });
    artifacts = await ac.artifacts(jobId);
  } catch (err) {
    const e = describeError(err);
    const { after } = commit(
      ctx,
      id,
      (r) => ({
        fields: {
          last_error: e.message,
          fix_hint: e.fix_hint,
          refresh_failures: r.refresh_failures + 1,
          next_refresh_at: nextRefreshAfterFailure(ctx, r.refresh_failures + 1),
          last_refreshed_at: now(),
        },
        // The same error again (a watcher retrying an unreachable service) is counted, not re-logged every cycle.
        events:
          r.last_error === e.message
            ? []
            : [{ type: 'refresh_failed', message: e.message, data: { kind: e.kind, fix_hint: e.fix_hint, job_id: jobId } }],
      }),
      call.actor,
    );
    return { ok: false, changed: after.last_error !== row.last_error, run: missionOf(ctx, id), error: e };
  }
  const { before, after } = commit(ctx, id, (r) => applyStatus(ctx, r, st, artifacts), call.actor);
  const changed = before.status !== after.status || before.outcome_hash !== after.outcome_hash || before.job_event_cursor !== after.job_event_cursor;
  return { ok: true, changed, run: missionOf(ctx, id), error: null };
}

function applyStatus(
  ctx: ServerContext,
  r: MissionRow,
  st: RunStatus,
  artifacts: { path: string }[] | null,
): { fields: Partial<Record<Column, unknown>>; events: NewEvent[] } {
  let status: MissionStatus = statusForJob(st.state);
  const events: NewEvent[] = [];
  if (!canTransition(r.status, status)) {
    // e.g. a finished job reported as running by a confused upstream: keep ours, say so once.
    events.push({
      type: 'refresh_failed',
      message: `AgentCeption reported ${st.raw_status} for a ${r.status} mission; kept ${r.status}`,
      data: { raw_status: st.raw_status },
    });
    status = r.status;
  }
  const fields: Partial<Record<Column, unknown>> = {
    status,
    job_state: st.state,
    job_raw_status: st.raw_status,
    job_stale: st.stale ? 1 : 0,
    job_live: st.live ? 1 : 0,
    branch: st.branch ?? r.branch,
    pr_url: httpUrl(st.pr_url) ?? r.pr_url,
    issue_url: httpUrl(st.issue_url) ?? r.issue_url,
    summary: st.summary ?? r.summary,
    grade: st.grade ?? r.grade,
    completed_at: st.completed_at ?? r.completed_at,
    last_refreshed_at: now(),
    refresh_failures: 0,
    next_refresh_at: null,
    last_error: null,
    fix_hint: null,
  };
  if (artifacts) fields.artifacts_json = JSON.stringify(artifacts);
  const cursor = st.events.reduce((m, e) => Math.max(m, e.id), r.job_event_cursor);
  fields.job_event_cursor = cursor;
  for (const e of st.events) {
    if (e.id <= r.job_event_cursor) continue;
    events.push({
      type: 'job_event',
      message: `${e.event_type}`,
      data: { job_event_id: e.id, event_type: e.event_type, payload: e.payload as Record<string, unknown>, recorded_at: e.recorded_at },
    });
  }
  if (status !== r.status)
    events.push({
      type: 'state_changed',
      from_status: r.status,
      to_status: status,
      message: `${r.status} → ${status} (AgentCeption: ${st.raw_status}${st.stale ? ', stale' : ''})`,
      data: { raw_status: st.raw_status },
    });
  if (r.last_error)
    events.push({ type: 'error_cleared', message: 'AgentCeption answered again: error cleared', data: { cleared_error: r.last_error } });
  const merged = { ...r, ...fields } as MissionRow;
  if (merged.pr_url !== r.pr_url || merged.summary !== r.summary)
    events.push({
      type: 'outcome_updated',
      message: merged.pr_url ? `PR ${merged.pr_url}` : 'summary updated',
      data: { pr_url: merged.pr_url, summary: merged.summary, branch: merged.branch },
    });
  if (artifacts && fields.artifacts_json !== r.artifacts_json)
    events.push({ type: 'artifacts_updated', message: `${artifacts.length} file(s) written`, data: { paths: artifacts.map((a) => a.path) } });
  const oh = outcomeHash(merged);
  fields.outcome_hash = oh;
  // Auto-writeback: a new outcome worth writing (finished or blocked) is queued; the watcher writes it, debounced.
  if (
    ctx.config['missions.autoWriteback'] &&
    hasOutcome(status) &&
    oh !== r.last_writeback_hash &&
    r.writeback_status !== 'pending' &&
    oh !== r.outcome_hash
  ) {
    fields.writeback_status = 'pending';
    events.push({ type: 'writeback_pending', message: 'Outcome queued for automatic writeback', data: { outcome_hash: oh } });
  }
  if (isTerminal(status) && r.watched === 1) {
    fields.watched = 0;
    events.push({ type: 'watch_stopped', message: `Stopped watching: mission ${status}`, data: { reason: 'terminal' } });
  }
  return { fields, events };
}

// ---------- watch ----------

/** The watcher found a watched mission that is no longer active (e.g. finished by a manual refresh). */
export function stopWatchingInactive(ctx: ServerContext, id: string): void {
  commit(
    ctx,
    id,
    (r) =>
      r.watched === 1 && !isActive(r.status)
        ? {
            fields: { watched: 0 },
            events: [{ type: 'watch_stopped', message: `Stopped watching: mission ${r.status}`, data: { reason: 'inactive' } }],
          }
        : { fields: {}, events: [] },
    'watcher',
  );
}

export function setWatched(ctx: ServerContext, id: string, watched: boolean, call: CallInfo): Mission {
  const row = getRow(ctx, id);
  if (watched && !isActive(row.status)) throw conflict(`Mission ${id} is ${row.status}: only a launched, unfinished mission can be watched`);
  if ((row.watched === 1) === watched) return missionOf(ctx, id);
  commit(
    ctx,
    id,
    () => ({
      fields: { watched: watched ? 1 : 0, next_refresh_at: null },
      events: [
        watched
          ? { type: 'watch_started', message: 'Watching: the watcher refreshes this mission until it ends' }
          : { type: 'watch_stopped', message: 'Stopped watching', data: { reason: 'operator' } },
      ],
    }),
    call.actor,
  );
  return missionOf(ctx, id);
}

// ---------- writeback ----------

export interface WritebackOutcome {
  ok: boolean;
  run: Mission;
  writeback: WritebackRecord;
}

export async function writebackMission(
  ctx: ServerContext,
  id: string,
  opts: { operator_notes: string; tags: string[]; trigger: 'manual' | 'auto' },
  call: CallInfo,
): Promise<WritebackOutcome> {
  const row = getRow(ctx, id);
  if (!row.job_id) throw conflict(`Mission ${id} is ${row.status}: there is no outcome to write back until it has been launched`);
  guardWriteback(ctx, row, opts.trigger, call); // persona policy (personas/policy.ts): a refusal changes nothing
  const store = missionStore(ctx.db);
  const hash = outcomeHash(row);
  const t = now();
  const packet = packetOf(row);
  const request = {
    mission_id: row.id,
    session_id: row.session_id,
    repo: row.repo,
    persona_name: packet.persona.name,
    run_id: row.job_id,
    summary: row.summary ?? `Mission ${row.status}: ${row.mission_title}`,
    outcome_status: row.status,
    pr_url: row.pr_url,
    branch: row.branch,
    operator_notes: opts.operator_notes,
    tags: opts.tags,
  };
  const base = {
    mission_id: id,
    created_at: t,
    trigger: opts.trigger,
    outcome_hash: hash,
    request_json: JSON.stringify(request),
    operator_notes: opts.operator_notes,
    tags_json: JSON.stringify(opts.tags),
  };

  if (opts.trigger === 'auto' && hash === row.last_writeback_hash) {
    let rec!: WritebackRecord;
    commit(
      ctx,
      id,
      () => {
        rec = store.addWriteback({
          ...base,
          status: 'skipped',
          ref: null,
          error_code: null,
          message: 'duplicate outcome: already written back',
          fix_hint: null,
        });
        return {
          fields: { writeback_status: 'succeeded', last_auto_writeback_at: t },
          events: [
            {
              type: 'writeback_skipped',
              message: 'Automatic writeback skipped: this outcome was already written back',
              data: { outcome_hash: hash, writeback_id: rec.id },
            },
          ],
        };
      },
      call.actor,
    );
    return { ok: true, run: missionOf(ctx, id), writeback: rec };
  }

  let ok = false;
  let ref: string | null = null;
  let message = '';
  let errorCode: string | null = null;
  let fix: string | null = null;
  try {
    const res = await bridgesOf(ctx).phios.writeback(request);
    ok = res.ok;
    ref = res.ref;
    message = res.message ?? (res.ok ? 'written back' : 'PhiOS refused the writeback');
    errorCode = res.error_code ?? null;
    fix = res.fix_hint ?? null;
  } catch (err) {
    const e = describeError(err);
    message = e.message;
    errorCode = e.kind;
    fix = e.fix_hint;
  }
  let rec!: WritebackRecord;
  commit(
    ctx,
    id,
    () => {
      rec = store.addWriteback({ ...base, status: ok ? 'succeeded' : 'failed', ref, error_code: errorCode, message, fix_hint: fix });
      const auto = opts.trigger === 'auto' ? { last_auto_writeback_at: t } : {};
      if (ok) {
        return {
          fields: { writeback_status: 'succeeded', last_writeback_at: t, last_writeback_hash: hash, ...auto },
          events: [
            {
              type: 'writeback_succeeded',
              message: `Written back to PhiOS (${opts.trigger})${ref ? `: ${ref}` : ''}`,
              data: { writeback_id: rec.id, ref, outcome_hash: hash, trigger: opts.trigger, tags: opts.tags },
            },
          ],
        };
      }
      const msg = `Writeback failed: ${message}${errorCode ? ` (${errorCode})` : ''}`;
      return {
        fields: { writeback_status: 'failed', last_error: msg, fix_hint: fix, ...auto },
        events: [
          { type: 'writeback_failed', message: msg, data: { writeback_id: rec.id, error_code: errorCode, fix_hint: fix, trigger: opts.trigger } },
        ],
      };
    },
    call.actor,
  );
  return { ok, run: missionOf(ctx, id), writeback: rec };
}
