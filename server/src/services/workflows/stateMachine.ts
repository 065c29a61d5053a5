// The rules of a workflow run, pure (no I/O): which run transitions are legal, which step comes next, how long a
// retry waits, and which steps a replay reuses. The engine and the operator services ask these; unit tests pin them.
import type { StepStatus, WorkflowRunStatus } from '../../protocol/workflows';

export const RUN_TERMINAL: readonly WorkflowRunStatus[] = ['completed', 'failed', 'cancelled'];
/** Statuses a driver works on (a restart resumes these). */
export const RUN_ACTIVE: readonly WorkflowRunStatus[] = ['queued', 'running', 'waiting_approval'];

/** Legal run transitions. `waiting_approval` never goes to `completed` directly: the step must finish first. */
export const RUN_TRANSITIONS: Record<WorkflowRunStatus, readonly WorkflowRunStatus[]> = {
  queued: ['running', 'paused', 'cancelled', 'failed'],
  running: ['paused', 'waiting_approval', 'completed', 'failed', 'cancelled'],
  paused: ['running', 'cancelled'],
  waiting_approval: ['running', 'paused', 'failed', 'cancelled'],
  completed: [],
  failed: ['running'], // retry-step / skip-step of the failed step
  cancelled: [],
};

export const canTransition = (from: WorkflowRunStatus, to: WorkflowRunStatus) => RUN_TRANSITIONS[from].includes(to);

/** A step that needs no more work. */
export const STEP_SETTLED: readonly StepStatus[] = ['done', 'skipped', 'reused', 'failed'];
/** Steps whose recorded output a replay may reuse. */
export const STEP_REUSABLE: readonly StepStatus[] = ['done', 'reused', 'skipped'];

/** The first step not yet settled (by position), or null when every step is. */
export function nextStep<S extends { position: number; status: StepStatus }>(steps: readonly S[]): S | null {
  return [...steps].sort((a, b) => a.position - b.position).find((s) => !STEP_SETTLED.includes(s.status)) ?? null;
}

/** Seconds to wait before attempt `attempt + 1` after `attempt` failed: backoff × 2^(attempt−1), at most 5 minutes. */
export function backoffSeconds(backoff: number, attempt: number): number {
  return Math.min(300, backoff * 2 ** Math.max(0, attempt - 1));
}

/** May the engine try again by itself? attempts counts tries made so far (first try = 1). */
export const mayRetry = (attempts: number, maxRetries: number) => attempts <= maxRetries;

/**
 * What a replay from `fromStep` does with each original step: positions before it are reused (their recorded
 * outputs), the rest run. Refused (returns the offending position) when a step before `fromStep` has no
 * recorded outcome to reuse.
 */
export function replaySelection<S extends { position: number; status: StepStatus }>(
  original: readonly S[],
  fromStep: number,
): { reuse: S[]; rerun: S[]; missing: number | null } {
  const sorted = [...original].sort((a, b) => a.position - b.position);
  const reuse = sorted.filter((s) => s.position < fromStep);
  const missing = reuse.find((s) => !STEP_REUSABLE.includes(s.status))?.position ?? null;
  return { reuse, rerun: sorted.filter((s) => s.position >= fromStep), missing };
}
