// Shared by the workflows and operator services: find a definition / run or 404, and start a run.
import type * as W from '../../protocol/workflows';
import { AppError, notFound } from '../../protocol/errors';
import type { ServerContext } from '../../context';
import { checkInputs } from './definitions';
import { workflowStore } from './store';
import { runStore } from './runStore';
import { kick } from './engine';

export const workflowOr404 = (ctx: ServerContext, id: number) =>
  workflowStore(ctx.db).definition(id) ??
  (() => {
    throw notFound('Workflow', id);
  })();
export const runOr404 = (ctx: ServerContext, id: number) =>
  runStore(ctx.db).get(id) ??
  (() => {
    throw notFound('Workflow run', id);
  })();

/** Start a run of a definition (inputs checked against its schema). Shared by /run and the operator. */
export function startRun(
  ctx: ServerContext,
  p: {
    workflow_id: number;
    run_id?: string;
    inputs: Record<string, unknown>;
    mode: 'auto' | 'stepwise';
    worker_mode: 'auto' | 'prefer_worker' | 'local';
  },
  actor: string,
): W.WorkflowRun {
  const def = workflowOr404(ctx, p.workflow_id);
  if (!def.steps.length)
    throw new AppError('bad_request', 'Invalid params: steps: the workflow has no steps to run', [{ path: 'steps', message: 'no steps' }]);
  const inputs = checkInputs(def.workflow.params_schema, p.inputs);
  const run = runStore(ctx.db).create(def, {
    run_ref: p.run_id ?? null,
    mode: p.mode,
    worker_mode: p.worker_mode,
    inputs,
    actor,
    max_duration_seconds: ctx.config['workflows.maxDurationSeconds'],
  });
  kick(ctx, run.id);
  return run;
}
