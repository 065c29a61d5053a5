// The workflow engine's door into the actions queue (issue 14). A workflow approval gate — or a step marked
// requires_approval — is a `workflow_gate` item in the SAME queue as actions: always `ask` (no rule, grant or
// default can auto-allow or remember it), listed by GET /api/actions/pending, raised as the editor notification,
// approved / denied with the same routes. Approving "executes" it with no side effect; the engine watches the
// queue's didChange events (and reads the item after a restart) and continues the run. Also: look up the action
// a workflow step proposed by its idempotency key, so a restarted engine asks the queue what happened instead of
// proposing the action again.
import type { ServerContext } from '../../context';
import type { ActionItem } from '../../protocol/actions';
import type { Evaluation } from './policy';
import { stateOf } from './state';

export function gateEvaluation(params: Record<string, unknown>): Evaluation {
  const message = String(params.message ?? '').trim();
  return {
    tool: 'workflow_gate',
    params,
    decision: 'ask',
    rule: 'workflow:gate',
    reason: 'A workflow step waits for the operator: approve to continue the run, deny to stop it',
    canRemember: false,
    matchKey: '',
    resolved: { paths: {}, argv: null, executable: null, cwd: null, urls: {} },
    scope: { paths: [], argv: null, executable: null, cwd: null, urls: [], domains: [], bytes: null },
    // Read after "<who> wants to …" in the editor notification.
    summary: `continue workflow run ${String(params.workflow_run_id)} at step ${String(params.position)} '${String(params.step)}'${message ? `: ${message}` : ''}`,
    notes: [],
  };
}

/** The action a workflow step proposed under `key` (its subgoal_id), if the queue has it. */
export function actionByKey(ctx: ServerContext, runId: string, key: string): ActionItem | null {
  const row = ctx.db.prepare('SELECT id FROM actions WHERE run_id = ? AND subgoal_id = ? ORDER BY id DESC LIMIT 1').get(runId, key) as
    { id: number } | undefined;
  return row ? stateOf(ctx).store.get(row.id) : null;
}

/** The recorded execution of an action (result and error), e.g. what recovery learnt about an interrupted one. */
export function executionOf(ctx: ServerContext, actionId: number): { ok: boolean; result: unknown; error: string | null } | null {
  const row = ctx.db.prepare('SELECT ok, result, error FROM action_executions WHERE action_id = ?').get(actionId) as
    { ok: number; result: string | null; error: string | null } | undefined;
  if (!row) return null;
  let result: unknown = null;
  try {
    result = row.result ? JSON.parse(row.result) : null;
  } catch {
    result = row.result;
  }
  return { ok: !!row.ok, result, error: row.error };
}

/** Every queue item of a workflow run (its gates and actions), newest first. */
export function actionsOfRun(ctx: ServerContext, runId: string): ActionItem[] {
  const rows = ctx.db.prepare('SELECT id FROM actions WHERE run_id = ? ORDER BY id DESC LIMIT 500').all(runId) as { id: number }[];
  return rows.map((r) => stateOf(ctx).store.get(r.id)!).filter(Boolean);
}
