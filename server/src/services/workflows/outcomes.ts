// Committing what an attempt came to: done, waiting on a queue item, failed (retry with backoff while attempts
// remain, then on_failure: stop → run failed, continue, skip), or redo (the attempt never happened). Each outcome
// is one conditional write (or one transaction), so a crash leaves either the old state or the new one.
import type { ServerContext } from '../../context';
import type { RunStep, Step, WorkflowRun } from '../../protocol/workflows';
import { runStore } from './runStore';
import { backoffSeconds, mayRetry } from './stateMachine';
import type { Outcome } from './steps';
import { ENGINE } from './engineState';
import { schedule } from './wake';

/** Decrement a stepwise / advance budget after a step settled. */
function spend(ctx: ServerContext, runId: number): void {
  const rs = runStore(ctx.db);
  const b = rs.stepBudget(runId);
  if (b !== null) rs.setBudget(runId, Math.max(0, b - 1));
}

/** Commit an attempt's outcome. True: the driver goes round again; false: the run waits. */
export function record(ctx: ServerContext, run: WorkflowRun, step: RunStep, spec: Step, outcome: Outcome, ms?: number): boolean {
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
export function fail(ctx: ServerContext, run: WorkflowRun, step: RunStep, spec: Step, error: string, retryable: boolean): boolean {
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

/** A step reached an end state (with its stepwise budget spent) in one transaction. */
export function settle(
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
