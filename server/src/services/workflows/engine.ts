// The workflow engine: one driver per run, woken by `kick` (a new run, an operator command, a queue change of
// one of its gates or actions, a retry timer, a server start). A driver re-reads the committed state, does ONE
// transition of the current step, commits it, and loops — so a kill -9 at any point leaves a state the next
// driver continues from:
//   pending  → (requires approval?) waiting_approval with a gate in the actions queue → pending+approved
//   pending  → running (attempt n committed, rendered input recorded) → done | retry_wait | failed | skipped
//   running after a restart: an action step asks the queue (by its idempotency key) what became of its action;
//   a team_run step waits for the team run it recorded; a model call (no side effect) is simply made again.
// Auto mode cannot loop: attempts are bounded by max_retries, then on_failure decides (stop → run failed).
import type { ServerContext } from '../../context';
import type { ServiceRegistry } from '../registry';
import type { RunStep, Step, WorkflowRun } from '../../protocol/workflows';
import { didChange as actionsDidChange, type ActionItem } from '../../protocol/actions';
import { didChange } from '../../protocol/workflows';
import { propose, deny } from '../actions/queue';
import { stateOf as actionsState } from '../actions/state';
import { actionByKey, executionOf } from '../actions/workflowGate';
import { runStore } from './runStore';
import { backoffSeconds, mayRetry, nextStep } from './stateMachine';
import { render, type Scope } from './templates';
import { actionOutcome, actionRunId, executeStep, waitTeamRun, type Outcome } from './steps';
import { armDeadline, disarmAll, disarmDeadline, expireIfDue } from './deadline';

interface EngineState {
  registry: ServiceRegistry | null;
  driving: Map<number, Promise<void>>;
  again: Set<number>;
  timers: Map<number, NodeJS.Timeout>;
  aborts: Map<number, AbortController>;
  stopped: boolean;
  unsubscribe: (() => void) | null;
}
const states = new WeakMap<ServerContext, EngineState>();
export function engineOf(ctx: ServerContext): EngineState {
  let s = states.get(ctx);
  if (!s)
    states.set(
      ctx,
      (s = { registry: null, driving: new Map(), again: new Set(), timers: new Map(), aborts: new Map(), stopped: false, unsubscribe: null }),
    );
  return s;
}

const ENGINE = 'engine';

export function notify(ctx: ServerContext, runId: number): void {
  const run = runStore(ctx.db).get(runId);
  if (run) ctx.events.emit(didChange, { run_id: run.id, workflow_id: run.workflow_id, status: run.status, position: run.current_position });
}

/** Wake a run's driver (or make the running driver go round once more). */
export function kick(ctx: ServerContext, runId: number): void {
  const st = engineOf(ctx);
  if (st.stopped) return;
  if (st.driving.has(runId)) {
    st.again.add(runId);
    return;
  }
  const p = (async () => {
    do {
      st.again.delete(runId);
      try {
        await drive(ctx, runId);
      } catch (err) {
        if (st.stopped) return;
        ctx.log.error(`workflow run ${runId}: engine error`, err);
        runStore(ctx.db).transition(runId, ['queued', 'running', 'waiting_approval'], 'failed', ENGINE, {
          error: `engine error: ${(err as Error)?.message ?? String(err)}`,
        });
      }
      notify(ctx, runId);
    } while (st.again.has(runId) && !st.stopped);
  })().finally(() => {
    st.driving.delete(runId);
    const status = runStore(ctx.db).clock(runId)?.status;
    if (status === 'completed' || status === 'failed' || status === 'cancelled') disarmDeadline(ctx, runId);
  });
  st.driving.set(runId, p);
}

/** Abort the step in flight (cancel, skip of a running step). Its late result is ignored: completions are conditional. */
export function abortInFlight(ctx: ServerContext, runId: number, why = 'aborted by the operator'): void {
  engineOf(ctx).aborts.get(runId)?.abort(new Error(why));
}

/** The run's time limit passed: commit the failure, then stop the attempt in flight. */
function expire(ctx: ServerContext, runId: number): boolean {
  if (!expireIfDue(ctx, runId)) return false;
  abortInFlight(ctx, runId, 'the run exceeded its time limit');
  notify(ctx, runId);
  return true;
}

function schedule(ctx: ServerContext, runId: number, at: string): void {
  const st = engineOf(ctx);
  clearTimeout(st.timers.get(runId));
  const t = setTimeout(
    () => {
      st.timers.delete(runId);
      kick(ctx, runId);
    },
    Math.max(0, Date.parse(at) - Date.now()),
  );
  t.unref?.();
  st.timers.set(runId, t);
}

const scopeOf = (run: WorkflowRun, steps: readonly RunStep[]): Scope => {
  const out: Record<string, unknown> = {};
  for (const s of steps) {
    if (s.status === 'done' || s.status === 'reused') {
      out[s.name] = s.output;
      out[String(s.position)] = s.output;
    }
  }
  return { inputs: run.inputs, steps: out };
};

const outputsOf = (steps: readonly RunStep[]) =>
  Object.fromEntries(steps.filter((s) => s.status === 'done' || s.status === 'reused').map((s) => [s.name, s.output]));

/** Decrement a stepwise / advance budget after a step settled. */
function spend(ctx: ServerContext, runId: number): void {
  const rs = runStore(ctx.db);
  const b = rs.stepBudget(runId);
  if (b !== null) rs.setBudget(runId, Math.max(0, b - 1));
}

async function drive(ctx: ServerContext, runId: number): Promise<void> {
  const rs = runStore(ctx.db);
  for (let guard = 0; guard < 10_000; guard++) {
    if (engineOf(ctx).stopped) return;
    const run = rs.get(runId);
    if (!run) return;
    if (run.status === 'queued') {
      if (run.deadline_at !== null && Date.parse(run.deadline_at) <= Date.now() && expire(ctx, runId)) return;
      rs.transition(runId, ['queued'], 'running', ENGINE);
      notify(ctx, runId);
      continue;
    }
    if (run.status !== 'running' && run.status !== 'waiting_approval') return;
    if (run.deadline_at !== null) {
      if (Date.parse(run.deadline_at) <= Date.now() && expire(ctx, runId)) return;
      armDeadline(ctx, runId, () => void expire(ctx, runId));
    }
    const steps = rs.steps(runId);
    const step = nextStep(steps);
    if (run.status === 'waiting_approval' && step?.status !== 'waiting_approval') {
      rs.transition(runId, ['waiting_approval'], 'running', ENGINE);
      continue;
    }
    if (!step) {
      if (rs.transition(runId, ['running'], 'completed', ENGINE, { outputs: outputsOf(steps) })) notify(ctx, runId);
      return;
    }
    const budget = rs.stepBudget(runId);
    if (step.status === 'pending' && !step.approved && budget !== null && budget <= 0) {
      rs.transition(runId, ['running'], 'paused', ENGINE, { pause_reason: 'stepwise' }, { next_position: step.position });
      return;
    }
    const spec = rs.definitionOf(runId).steps.find((s) => s.position === step.position)!;
    const go = await advance(ctx, run, steps, step, spec);
    notify(ctx, runId);
    if (!go) return;
  }
}

/** One transition of the current step. True: go round again; false: the run waits (approval, timer, pause). */
async function advance(ctx: ServerContext, run: WorkflowRun, steps: RunStep[], step: RunStep, spec: Step): Promise<boolean> {
  const rs = runStore(ctx.db);
  const pos = step.position;
  const needsGate = spec.step_type === 'approval_gate' || spec.requires_approval;

  switch (step.status) {
    case 'pending': {
      if (needsGate && !step.approved) return openGate(ctx, run, step, spec);
      if (spec.step_type === 'approval_gate') {
        const gate = step.gate_action_id ? actionsState(ctx).store.get(step.gate_action_id) : null;
        settle(ctx, run.id, step, 'done', { output: { approved: true, by: gate?.decided_by ?? null, reason: gate?.decision_reason ?? null } });
        return true;
      }
      const input = render(spec.params, scopeOf(run, steps)) as Record<string, unknown>;
      const attempt = step.attempts + 1;
      if (
        !rs.patchStep(
          run.id,
          pos,
          ['pending'],
          { status: 'running', attempts: attempt, input, error: null, started_at: new Date().toISOString(), next_attempt_at: null },
          { type: 'step_started', actor: ENGINE, payload: { attempt } },
        )
      )
        return true;
      if (run.status === 'waiting_approval') rs.transition(run.id, ['waiting_approval'], 'running', ENGINE);
      return attemptStep(ctx, run, rs.step(run.id, pos)!, spec, false);
    }
    case 'running':
      // Only after a restart (or a kick racing a driver that already ended): the attempt was in flight.
      rs.event(run.id, pos, 'step_resumed_in_flight', ENGINE, { attempt: step.attempts, step_type: spec.step_type });
      return attemptStep(ctx, run, step, spec, true);
    case 'waiting_approval':
      return checkWaiting(ctx, run, step, spec);
    case 'retry_wait': {
      if (step.next_attempt_at && Date.parse(step.next_attempt_at) > Date.now()) {
        schedule(ctx, run.id, step.next_attempt_at);
        return false;
      }
      rs.patchStep(
        run.id,
        pos,
        ['retry_wait'],
        { status: 'pending', next_attempt_at: null },
        { type: 'step_retrying', actor: ENGINE, payload: { attempt: step.attempts + 1 } },
      );
      return true;
    }
    default:
      return true;
  }
}

const gateKey = (run: number, step: RunStep) => `gate:${run}:${step.position}:${step.operator_retries}`;
const actionKey = (run: number, step: RunStep) => `act:${run}:${step.position}:${step.operator_retries}.${step.attempts}`;

/** Put the step's approval request in the actions queue (or find the one a crashed engine already put there). */
async function openGate(ctx: ServerContext, run: WorkflowRun, step: RunStep, spec: Step): Promise<boolean> {
  const rs = runStore(ctx.db);
  const key = gateKey(run.id, step);
  let item = actionByKey(ctx, actionRunId(run.id), key);
  if (!item) {
    const message = String(
      spec.params.message ??
        (spec.step_type === 'approval_gate'
          ? 'Approve to continue the workflow'
          : `Step '${spec.name}' (${spec.step_type}) requires approval before it runs`),
    );
    item = await propose(
      ctx,
      {
        run_id: actionRunId(run.id),
        agent_id: 'workflow',
        subgoal_id: key,
        tool_name: 'workflow_gate',
        params: { workflow_run_id: run.id, position: step.position, step: spec.name, message },
      },
      { transport: 'internal', actor: `workflow:${run.id}` },
      { gate: true },
    );
  }
  rs.patchStep(
    run.id,
    step.position,
    ['pending'],
    { status: 'waiting_approval', gate_action_id: item.id },
    { type: 'approval_requested', actor: ENGINE, payload: { action_id: item.id } },
  );
  rs.transition(run.id, ['running'], 'waiting_approval', ENGINE, {}, { position: step.position, action_id: item.id });
  return checkWaiting(ctx, rs.get(run.id)!, rs.step(run.id, step.position)!, spec);
}

/** A step waiting on a queue item: its gate (approval) or the action it proposed (the policy asked). */
function checkWaiting(ctx: ServerContext, run: WorkflowRun, step: RunStep, spec: Step): boolean {
  const rs = runStore(ctx.db);
  const store = actionsState(ctx).store;
  if (!step.approved && step.gate_action_id) {
    const gate = store.get(step.gate_action_id);
    const status = gate?.status ?? 'denied';
    if (status === 'pending') {
      rs.transition(run.id, ['running'], 'waiting_approval', ENGINE, {}, { position: step.position });
      return false;
    }
    // An approved gate that a restart interrupted was still approved: the approval was committed first.
    if (status === 'executed' || status === 'approved' || status === 'executing' || (status === 'interrupted' && gate?.decided_by !== 'policy')) {
      rs.patchStep(
        run.id,
        step.position,
        ['waiting_approval'],
        { status: 'pending', approved: true },
        {
          type: 'approved',
          actor: gate?.decided_by ?? 'operator',
          payload: { action_id: step.gate_action_id, reason: gate?.decision_reason ?? null },
        },
      );
      rs.transition(run.id, ['waiting_approval'], 'running', ENGINE);
      return true;
    }
    // Denied: the operator said no. Not retried; on_failure decides.
    rs.patchStep(run.id, step.position, ['waiting_approval'], { status: 'running' });
    return fail(ctx, run, rs.step(run.id, step.position)!, spec, `approval denied${gate?.decision_reason ? `: ${gate.decision_reason}` : ''}`, false);
  }
  if (step.action_id) {
    const item = store.get(step.action_id);
    if (item?.status === 'pending') {
      rs.transition(run.id, ['running'], 'waiting_approval', ENGINE, {}, { position: step.position, action_id: item.id });
      return false;
    }
    rs.patchStep(run.id, step.position, ['waiting_approval'], { status: 'running' });
    if (run.status === 'waiting_approval') rs.transition(run.id, ['waiting_approval'], 'running', ENGINE);
    return record(
      ctx,
      rs.get(run.id)!,
      rs.step(run.id, step.position)!,
      spec,
      item ? queueOutcome(ctx, item) : { kind: 'failed', error: 'its action is gone', retryable: false },
    );
  }
  rs.patchStep(run.id, step.position, ['waiting_approval'], { status: 'pending' });
  return true;
}

const READ_ONLY = new Set([
  'desktop_list_dir',
  'desktop_read_text',
  'browser_extract_text',
  'browser_page_summary',
  'browser_search',
  'browser_navigate',
  'browser_open_url',
]);
const IDEMPOTENT = (item: ActionItem) =>
  READ_ONLY.has(item.tool_name) || (item.tool_name === 'desktop_write_text' && item.params.overwrite !== false);

/** The outcome of a queue item, including what recovery learnt about one a restart interrupted. */
function queueOutcome(ctx: ServerContext, item: ActionItem): Outcome {
  const o = actionOutcome(item);
  if (o) return o;
  if (item.status === 'interrupted') {
    const known = executionOf(ctx, item.id)?.result as Record<string, unknown> | null;
    if (known && known.started === false) return { kind: 'redo', reason: `action ${item.id} was interrupted before it started: nothing was done` };
    if (known && known.holds_proposed_content === true) return { kind: 'done', output: { action_id: item.id, result: known, recovered: true } };
    // Idempotent actions may be proposed again: a read changes nothing, and an overwriting write of fixed
    // content ends in the same state however often it ran (a partial first write is completed by the second).
    if (IDEMPOTENT(item))
      return { kind: 'redo', reason: `action ${item.id} was interrupted; ${item.tool_name} is idempotent, so it is proposed again` };
    // Never repeated blindly: the operator decides (retry-step proposes it again, skip-step moves on).
    return {
      kind: 'failed',
      error: `action ${item.id} was interrupted while executing; its outcome is unknown (${String(known?.note ?? 'see the action history')}) — retry or skip the step`,
      retryable: false,
    };
  }
  return { kind: 'failed', error: `action ${item.id} is ${item.status}`, retryable: false };
}

async function attemptStep(ctx: ServerContext, run: WorkflowRun, step: RunStep, spec: Step, resumed: boolean): Promise<boolean> {
  const st = engineOf(ctx);
  const rs = runStore(ctx.db);
  const params = (step.input ?? {}) as Record<string, unknown>;
  // Resumed action: ask the queue first (never propose the same attempt twice).
  if (resumed && spec.step_type === 'action') {
    const item = actionByKey(ctx, actionRunId(run.id), actionKey(run.id, step));
    if (item) return record(ctx, run, step, spec, queueOutcome(ctx, item));
  }
  const ac = new AbortController();
  st.aborts.set(run.id, ac);
  const timeout = AbortSignal.timeout(Math.ceil(spec.timeout_seconds * 1000));
  const signal = AbortSignal.any([ac.signal, timeout]);
  const t0 = performance.now();
  let outcome: Outcome;
  try {
    if (spec.step_type === 'team_run' && step.external_ref) outcome = await waitTeamRun({ registry: st.registry!, signal, run }, step.external_ref);
    else {
      outcome = await Promise.race([
        executeStep({ ctx, registry: st.registry!, run, spec, params, signal, actionKey: actionKey(run.id, step) }),
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
      ]);
      if (outcome.kind === 'team_started') {
        rs.patchStep(
          run.id,
          step.position,
          ['running'],
          { external_ref: outcome.team_run_id },
          { type: 'team_run_started', actor: ENGINE, payload: { team_run_id: outcome.team_run_id } },
        );
        outcome = await waitTeamRun({ registry: st.registry!, signal, run }, outcome.team_run_id);
      }
    }
  } catch (err) {
    if (st.stopped) return false; // server stopping: the step stays running and resumes at the next start
    if (ac.signal.aborted) return true; // cancelled / skipped: the state says what happened
    outcome = timeout.aborted
      ? { kind: 'failed', error: `timed out after ${spec.timeout_seconds}s`, retryable: true }
      : { kind: 'failed', error: (err as Error)?.message ?? String(err), retryable: true };
  } finally {
    if (st.aborts.get(run.id) === ac) st.aborts.delete(run.id);
  }
  return record(ctx, run, step, spec, outcome, performance.now() - t0);
}

/** Commit an attempt's outcome. */
function record(ctx: ServerContext, run: WorkflowRun, step: RunStep, spec: Step, outcome: Outcome, ms?: number): boolean {
  const rs = runStore(ctx.db);
  switch (outcome.kind) {
    case 'done':
      settle(ctx, run.id, step, 'done', { output: outcome.output, duration_ms: ms ?? null }, ['running']);
      return true;
    case 'wait_action':
      rs.patchStep(
        run.id,
        step.position,
        ['running'],
        { status: 'waiting_approval', action_id: outcome.action_id },
        { type: 'action_waiting', actor: ENGINE, payload: { action_id: outcome.action_id } },
      );
      rs.transition(run.id, ['running'], 'waiting_approval', ENGINE, {}, { position: step.position, action_id: outcome.action_id });
      return false;
    case 'failed':
      return fail(ctx, run, step, spec, outcome.error, outcome.retryable);
    case 'redo':
      // Not a failure and not a retry: the attempt never happened. A new attempt (new key) proposes it again.
      rs.patchStep(
        run.id,
        step.position,
        ['running'],
        { status: 'pending' },
        { type: 'step_redo', actor: ENGINE, payload: { reason: outcome.reason } },
      );
      return true;
    default:
      return true;
  }
}

/** A failed attempt: retry with backoff while attempts remain, then on_failure (stop → run failed, continue, skip). */
function fail(ctx: ServerContext, run: WorkflowRun, step: RunStep, spec: Step, error: string, retryable: boolean): boolean {
  const rs = runStore(ctx.db);
  if (retryable && mayRetry(step.attempts, spec.max_retries)) {
    const at = new Date(Date.now() + backoffSeconds(spec.backoff_seconds, step.attempts) * 1000).toISOString();
    if (
      rs.patchStep(
        run.id,
        step.position,
        ['running'],
        { status: 'retry_wait', error, next_attempt_at: at },
        { type: 'step_failed_attempt', actor: ENGINE, payload: { attempt: step.attempts, error, next_attempt_at: at } },
      )
    )
      schedule(ctx, run.id, at);
    return false;
  }
  const why = `step ${step.position} '${spec.name}' failed after ${step.attempts} attempt(s): ${error}`;
  if (spec.on_failure === 'skip') {
    settle(ctx, run.id, step, 'skipped', { error, skip_reason: `on_failure: skip — ${error}` }, ['running']);
    return true;
  }
  if (spec.on_failure === 'continue') {
    settle(ctx, run.id, step, 'failed', { error }, ['running']);
    return true;
  }
  rs.tx(() => {
    rs.patchStep(
      run.id,
      step.position,
      ['running'],
      { status: 'failed', error, finished_at: new Date().toISOString() },
      { type: 'step_failed', actor: ENGINE, payload: { error, attempts: step.attempts } },
    );
    rs.transition(run.id, ['running', 'waiting_approval'], 'failed', ENGINE, { error: why });
  });
  return false;
}

function settle(
  ctx: ServerContext,
  runId: number,
  step: RunStep,
  status: 'done' | 'skipped' | 'failed',
  patch: Record<string, unknown>,
  from: RunStep['status'][] = ['pending'],
): void {
  const rs = runStore(ctx.db);
  rs.tx(() => {
    if (
      rs.patchStep(
        runId,
        step.position,
        from,
        { ...patch, status, finished_at: new Date().toISOString() },
        { type: `step_${status}`, actor: ENGINE, payload: status === 'done' ? {} : { error: patch.error ?? null } },
      )
    )
      spend(ctx, runId);
  });
}

/** Deny the pending queue items of a run (cancel, skip of a waiting step). */
export function denyPending(ctx: ServerContext, runId: number, ids: readonly (number | null)[], reason: string, actor: string): void {
  for (const id of ids) {
    if (!id) continue;
    const item = actionsState(ctx).store.get(id);
    if (item?.status === 'pending') {
      try {
        deny(ctx, id, reason, { transport: 'internal', actor });
      } catch {
        /* decided meanwhile */
      }
    }
  }
}

/** Wake the run whose gate or action changed in the queue. */
function onQueueChange(ctx: ServerContext, name: string, payload: unknown): void {
  if (name !== actionsDidChange.name) return;
  const runRef = (payload as { action?: { run_id?: string | null } | null }).action?.run_id;
  const m = runRef ? /^wfr_(\d+)$/.exec(runRef) : null;
  if (m) queueMicrotask(() => kick(ctx, Number(m[1])));
}

export function startEngine(ctx: ServerContext, registry: ServiceRegistry): void {
  const st = engineOf(ctx);
  st.registry = registry;
  st.stopped = false;
  st.unsubscribe = ctx.events.subscribe((name, payload) => onQueueChange(ctx, name, payload));
  const rs = runStore(ctx.db);
  const ids = rs.active();
  rs.tx(() => ids.forEach((id) => rs.event(id, null, 'resumed_after_restart', 'server', {})));
  // Woken in batches between turns of the event loop: the server answers at once while a thousand runs resume.
  const wake = (from: number) => {
    if (st.stopped || from >= ids.length) return;
    for (const id of ids.slice(from, from + 25)) kick(ctx, id);
    setImmediate(() => wake(from + 25));
  };
  wake(0);
}

export async function stopEngine(ctx: ServerContext): Promise<void> {
  const st = engineOf(ctx);
  st.stopped = true;
  st.unsubscribe?.();
  for (const t of st.timers.values()) clearTimeout(t);
  st.timers.clear();
  disarmAll(ctx);
  for (const a of st.aborts.values()) a.abort(new Error('server stopping'));
  await Promise.allSettled([...st.driving.values()]);
}
