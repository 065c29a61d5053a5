// A run's time limit (workflows.maxDurationSeconds, AGENTORA_MAX_WORKFLOW_DURATION_SECONDS, fixed when the run is
// created). The clock runs while the engine has the run (queued, running); while the operator holds it (paused,
// waiting for an approval, failed) it stands still — the run store moves the deadline on by the time held. The
// deadline is an absolute time in the run row, so time the server was down counts: a run resumed after a
// restart whose deadline passed fails at once, before its step is resumed.
//
// When the deadline passes, `expireIfDue` commits in one transaction: the step in flight (or waiting to retry)
// failed, the run failed with a reason naming the limit. The engine then aborts the attempt in flight; its late
// result is ignored (step completions are conditional on the step still running).
import type { ServerContext } from '../../context';
import type { RunStep } from '../../protocol/workflows';
import { runStore } from './runStore';
import { nextStep } from './stateMachine';

const ENV = 'AGENTORA_MAX_WORKFLOW_DURATION_SECONDS';
const timers = new WeakMap<ServerContext, Map<number, { at: number; timer: NodeJS.Timeout }>>();
const timersOf = (ctx: ServerContext) => {
  let m = timers.get(ctx);
  if (!m) timers.set(ctx, (m = new Map()));
  return m;
};

/** The run's deadline (epoch ms) when its clock runs now; null when it has no limit or is held or ended. */
function runningDeadline(ctx: ServerContext, runId: number): number | null {
  const c = runStore(ctx.db).clock(runId);
  if (!c || c.deadline === null || c.held_since !== null) return null;
  return c.status === 'queued' || c.status === 'running' ? c.deadline : null;
}

/**
 * A refusal (409 text) for resuming a held run whose time is used up (its clock stood still at or past the
 * deadline): going on would only fail it again at once. Null when it has time left or no limit.
 */
export function timeUsedUp(ctx: ServerContext, runId: number): string | null {
  const c = runStore(ctx.db).clock(runId);
  if (!c || c.deadline === null || c.limit === null) return null;
  const left = c.deadline - (c.held_since ?? Date.now());
  return left > 0 ? null : `Run ${runId} used up its time limit of ${c.limit} s (${ENV}); replay it to run again`;
}

/** Fail the run (and its step in flight) when its deadline has passed. True when it did. */
export function expireIfDue(ctx: ServerContext, runId: number, actor = 'engine'): boolean {
  const rs = runStore(ctx.db);
  return rs.tx(() => {
    const deadline = runningDeadline(ctx, runId);
    if (deadline === null || Date.now() < deadline) return false;
    const limit = rs.clock(runId)!.limit;
    const step = nextStep(rs.steps(runId));
    const inFlight: RunStep['status'][] = ['running', 'retry_wait', 'pending'];
    let why = `run exceeded its time limit of ${limit} s (${ENV})`;
    if (step && inFlight.includes(step.status)) {
      const stopped = step.status === 'pending' ? 'was not started' : step.status === 'running' ? 'was aborted' : 'will not be retried';
      rs.patchStep(
        runId,
        step.position,
        [step.status],
        { status: 'failed', error: why, finished_at: new Date().toISOString(), next_attempt_at: null },
        { type: 'step_failed', actor, payload: { error: why, attempts: step.attempts, time_limit: true } },
      );
      why += `; step ${step.position} '${step.name}' ${stopped}`;
    }
    return rs.transition(
      runId,
      ['queued', 'running'],
      'failed',
      actor,
      { error: why },
      { time_limit_seconds: limit, position: step?.position ?? null },
    );
  });
}

/**
 * Make sure a timer fires at the run's deadline while its clock runs. `onDue` is called then (the engine expires
 * the run and aborts the attempt in flight). A deadline that moved on (the run was held meanwhile) re-arms.
 * `known`: the running deadline the caller just read (saves the read); undefined: read it here.
 */
export function armDeadline(ctx: ServerContext, runId: number, onDue: () => void, known?: number | null): void {
  const deadline = known === undefined ? runningDeadline(ctx, runId) : known;
  const m = timersOf(ctx);
  const cur = m.get(runId);
  if (deadline === null) return disarmDeadline(ctx, runId);
  if (cur?.at === deadline) return;
  if (cur) clearTimeout(cur.timer);
  const timer = setTimeout(
    () => {
      m.delete(runId);
      const now = runningDeadline(ctx, runId);
      if (now !== null && now > Date.now()) armDeadline(ctx, runId, onDue);
      else if (now !== null) onDue();
    },
    Math.max(0, deadline - Date.now()),
  );
  timer.unref?.();
  m.set(runId, { at: deadline, timer });
}

export function disarmDeadline(ctx: ServerContext, runId: number): void {
  const m = timersOf(ctx);
  const cur = m.get(runId);
  if (cur) clearTimeout(cur.timer);
  m.delete(runId);
}

export function disarmAll(ctx: ServerContext): void {
  const m = timersOf(ctx);
  for (const { timer } of m.values()) clearTimeout(timer);
  m.clear();
}
