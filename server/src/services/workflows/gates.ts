// Steps that wait on the actions queue: an approval gate (approval_gate steps and requires_approval) and an
// action the policy asked the operator about. The queue item is the truth: a gate or action is looked up by its
// idempotency key before one is proposed, so a crashed engine never asks twice.
import type { ServerContext } from '../../context';
import type { ActionItem } from '../../protocol/actions';
import type { RunStep, Step, WorkflowRun } from '../../protocol/workflows';
import { propose, deny } from '../actions/queue';
import { stateOf as actionsState } from '../actions/state';
import { actionByKey, executionOf } from '../actions/workflowGate';
import { runStore } from './runStore';
import { actionOutcome, actionRunId, type Outcome } from './steps';
import { ENGINE } from './engineState';
import { fail, record } from './outcomes';

const gateKey = (run: number, step: RunStep) => `gate:${run}:${step.position}:${step.operator_retries}`;

/** Put the step's approval request in the actions queue (or find the one a crashed engine already put there). */
export async function openGate(ctx: ServerContext, run: WorkflowRun, step: RunStep, spec: Step): Promise<boolean> {
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
export function checkWaiting(ctx: ServerContext, run: WorkflowRun, step: RunStep, spec: Step): boolean {
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
export function queueOutcome(ctx: ServerContext, item: ActionItem): Outcome {
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
