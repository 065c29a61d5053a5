// Step execution: one attempt of a step (its input already committed as `running`), or the continuation of one a
// restart interrupted. A resumed action asks the queue first (never propose the same attempt twice); a team run
// waits for the team run it recorded; a model call (no side effect) is simply made again.
import type { ServerContext } from '../../context';
import type { RunStep, Step, WorkflowRun } from '../../protocol/workflows';
import { actionByKey } from '../actions/workflowGate';
import { runStore } from './runStore';
import { actionRunId, executeStep, waitTeamRun, type Outcome } from './steps';
import { ENGINE, engineOf } from './engineState';
import { queueOutcome } from './gates';
import { record } from './outcomes';

const actionKey = (run: number, step: RunStep) => `act:${run}:${step.position}:${step.operator_retries}.${step.attempts}`;
/** setTimeout's longest delay; a longer step timeout is as good as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function attemptStep(ctx: ServerContext, run: WorkflowRun, step: RunStep, spec: Step, resumed: boolean): Promise<boolean> {
  const st = engineOf(ctx);
  const rs = runStore(ctx.db);
  const params = (step.input ?? {}) as Record<string, unknown>;
  // Resumed action: ask the queue first (never propose the same attempt twice).
  if (resumed && spec.step_type === 'action') {
    const item = actionByKey(ctx, actionRunId(run.id), actionKey(run.id, step));
    if (item) return record(ctx, run, step, spec, queueOutcome(ctx, item));
  }
  // One controller for both the operator's abort and the step timeout (a timer, not AbortSignal.timeout +
  // AbortSignal.any: those cost more per attempt than the rest of the engine's work when a thousand runs resume).
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(
    () => {
      if (ac.signal.aborted) return;
      timedOut = true;
      ac.abort(new Error(`timed out after ${spec.timeout_seconds}s`));
    },
    Math.min(MAX_TIMER_MS, Math.ceil(spec.timeout_seconds * 1000)),
  );
  timer.unref?.();
  st.aborts.set(run.id, ac);
  const signal = ac.signal;
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
    if (ac.signal.aborted && !timedOut) return true; // cancelled / skipped: the state says what happened
    outcome = timedOut
      ? { kind: 'failed', error: `timed out after ${spec.timeout_seconds}s`, retryable: true }
      : { kind: 'failed', error: (err as Error)?.message ?? String(err), retryable: true };
  } finally {
    clearTimeout(timer);
    if (st.aborts.get(run.id) === ac) st.aborts.delete(run.id);
  }
  return record(ctx, run, step, spec, outcome, performance.now() - t0);
}
