// The driver loop of one run: re-read the committed state, do ONE transition of the current step, commit it,
// go round — so a kill -9 at any point leaves a state the next driver continues from:
//   pending  → (requires approval?) waiting_approval with a gate in the actions queue → pending+approved
//   pending  → running (attempt n committed, rendered input recorded) → done | retry_wait | failed | skipped
//   running after a restart: the attempt was in flight; attempt.ts continues it.
import type { ServerContext } from '../../context';
import type { RunStep, Step, WorkflowRun } from '../../protocol/workflows';
import { stateOf as actionsState } from '../actions/state';
import { runStore } from './runStore';
import { nextStep } from './stateMachine';
import { render, type Scope } from './templates';
import { armDeadline, expireIfDue } from './deadline';
import { ENGINE, abortInFlight, engineOf, notify } from './engineState';
import { attemptStep } from './attempt';
import { checkWaiting, openGate } from './gates';
import { settle } from './outcomes';
import { schedule } from './wake';

/** The run's time limit passed: commit the failure, then stop the attempt in flight. */
function expire(ctx: ServerContext, runId: number): boolean {
  if (!expireIfDue(ctx, runId)) return false;
  abortInFlight(ctx, runId, 'the run exceeded its time limit');
  notify(ctx, runId);
  return true;
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

/** Key of an in-flight attempt whose resume a restart noted (see wake.ts). */
export const resumeKey = (runId: number, position: number, attempt: number) => `${runId}:${position}:${attempt}`;

export async function drive(ctx: ServerContext, runId: number): Promise<void> {
  const rs = runStore(ctx.db);
  for (let guard = 0; guard < 10_000; guard++) {
    if (engineOf(ctx).stopped) return;
    const snap = rs.snapshot(runId);
    if (!snap) return;
    const { run, steps } = snap;
    if (run.status === 'queued') {
      if (run.deadline_at !== null && Date.parse(run.deadline_at) <= Date.now() && expire(ctx, runId)) return;
      rs.transition(runId, ['queued'], 'running', ENGINE);
      notify(ctx, runId);
      continue;
    }
    if (run.status !== 'running' && run.status !== 'waiting_approval') return;
    if (run.deadline_at !== null) {
      if (Date.parse(run.deadline_at) <= Date.now() && expire(ctx, runId)) return;
      // deadline_at is set only while the clock runs (status running here): the deadline the timer needs.
      armDeadline(ctx, runId, () => void expire(ctx, runId), Date.parse(run.deadline_at));
    }
    const step = nextStep(steps);
    if (run.status === 'waiting_approval' && step?.status !== 'waiting_approval') {
      rs.transition(runId, ['waiting_approval'], 'running', ENGINE);
      continue;
    }
    if (!step) {
      if (rs.transition(runId, ['running'], 'completed', ENGINE, { outputs: outputsOf(steps) })) notify(ctx, runId);
      return;
    }
    if (step.status === 'pending' && !step.approved) {
      const budget = rs.stepBudget(runId);
      if (budget !== null && budget <= 0) {
        rs.transition(runId, ['running'], 'paused', ENGINE, { pause_reason: 'stepwise' }, { next_position: step.position });
        return;
      }
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
      // Only after a restart (or a kick racing a driver that already ended): the attempt was in flight. The
      // restart's wake may have committed this event already, together with its slice of runs.
      if (!engineOf(ctx).resumeNoted.delete(resumeKey(run.id, pos, step.attempts)))
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
