// Wire shapes of the safe-actions routes (wire-shapes.md "Envelopes"): `{ok, item}` with the earlier product's
// action record (params_json as a string, requested_at / decided_at), `{ok, execution}` for approve.
import { z } from 'zod';
import type { ActionItem, AuditEntry } from '../actions';
import { intIfDigits, loose, WireId } from './common';

type Execution = { id: number; action_id: number; ok: boolean; started_at: string; finished_at: string; duration_ms: number; result: unknown; error: string | null };

export const WireAction = loose({
  id: z.number().int(),
  run_id: WireId.nullable(),
  agent_id: WireId.nullable(),
  subgoal_id: WireId.nullable(),
  action_class: z.string(),
  tool_name: z.string(),
  params_json: z.string(),
  policy_decision: z.string(),
  status: z.string(),
  requires_approval: z.boolean(),
  approval_reason: z.string(),
  scope_preview: z.unknown(),
  requested_worker: z.union([z.string(), z.boolean()]).nullable(),
  requested_at: z.string(),
  decided_at: z.string().nullable(),
});
export const WireExecution = loose({ id: z.number().int(), action_request_id: z.number().int(), status: z.string(), result_json: z.string().nullable(), error: z.string().nullable() });

export function actionToWire(a: ActionItem) {
  return {
    ...a,
    run_id: intIfDigits(a.run_id),
    agent_id: intIfDigits(a.agent_id),
    subgoal_id: intIfDigits(a.subgoal_id),
    params_json: JSON.stringify(a.params),
    requested_at: a.created_at,
    decided_at: a.status === 'pending' ? null : a.updated_at,
  };
}

export function executionToWire(e: Execution) {
  return { ...e, action_request_id: e.action_id, status: e.ok ? 'succeeded' : 'failed', result_json: e.result === null || e.result === undefined ? null : JSON.stringify(e.result) };
}

/** `requested_worker`: earlier clients send a boolean (`false`: run here; `true`: any worker). */
export function proposeFromWire(input: Record<string, unknown>): Record<string, unknown> {
  const w = input.requested_worker;
  if (typeof w === 'boolean') return { ...input, requested_worker: w ? 'any' : null };
  return input;
}

export const propose = {
  schema: loose({ ok: z.literal(true), item: WireAction }),
  // The earlier product's envelope, plus our action's own fields at the top level (adding fields is allowed), so
  // clients of this product's first API (`.id`, `.status`) keep working beside the earlier product's (`.item.id`).
  toWire: (r: ActionItem) => ({ ...r, ok: true, item: actionToWire(r) }),
  fromWire: proposeFromWire,
};
export const pending = {
  schema: loose({ ok: z.boolean(), items: z.array(WireAction) }),
  toWire: (r: { items: ActionItem[]; total: number }) => ({ ok: true, ...r, items: r.items.map(actionToWire) }),
  headers: (r: { total: number }) => ({ 'X-Total-Count': String(r.total) }),
};
export const history = {
  schema: loose({ ok: z.boolean(), items: z.array(WireAction), executions: z.array(WireExecution), approval_history: z.array(loose({ id: z.number().int() })) }),
  toWire: (r: { items: ActionItem[]; executions: Execution[]; approval_history: AuditEntry[]; total: number }) => ({
    ok: true,
    ...r,
    items: r.items.map(actionToWire),
    executions: r.executions.map(executionToWire),
  }),
};
/** Approve answers the execution (one per action: its id is the action's execution, `action_request_id` the action). */
export const approve = {
  schema: loose({ ok: z.boolean(), execution: WireExecution, item: WireAction }),
  // Our action's own fields stay at the top level too (adding fields is allowed; see propose).
  toWire: (r: ActionItem) => ({
    ...r,
    ok: r.status === 'executed',
    execution: {
      id: r.id,
      action_request_id: r.id,
      status: r.status === 'executed' ? 'succeeded' : r.status,
      result_json: r.result === null || r.result === undefined ? null : JSON.stringify(r.result),
      result: r.result,
      error: r.error,
    },
    item: actionToWire(r),
  }),
};
export const deny = {
  schema: loose({ ok: z.boolean(), item: WireAction }),
  toWire: (r: ActionItem) => ({ ...r, ok: true, item: actionToWire(r) }),
};
