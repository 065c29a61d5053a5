// Operator Mode: steer a run. Every command is a conditional transition committed with its event (the run's
// history and audit: who, when, why), then the engine is kicked. Skip needs a reason; retry is bounded by
// workflows.operatorMaxStepRetries (AGENTORA_OPERATOR_MAX_STEP_RETRIES).
import * as O from '../../protocol/operator';
import type { RunStep } from '../../protocol/workflows';
import { conflict, notFound } from '../../protocol/errors';
import type { CallInfo, ServerContext } from '../../context';
import { implement, type Implementation } from '../registry';
import { actionsOfRun } from '../actions/workflowGate';
import { workflowStore } from './store';
import { runStore } from './runStore';
import { abortInFlight, denyPending, kick, notify } from './engine';
import { actionRunId } from './steps';
import { timeUsedUp } from './deadline';
import { runOr404, startRun, workflowOr404 } from './lookup';

function stepOf(ctx: ServerContext, runId: number, p: { step_id?: number; position?: number }): RunStep {
  const steps = runStore(ctx.db).steps(runId);
  const s = p.step_id !== undefined ? steps.find((x) => x.step_id === p.step_id || x.id === p.step_id) : steps.find((x) => x.position === p.position);
  if (!s) throw notFound(`Step of run ${runId}`, p.step_id ?? p.position ?? '?');
  return s;
}

const done = (ctx: ServerContext, id: number) => {
  notify(ctx, id);
  return runOr404(ctx, id);
};

function pause(ctx: ServerContext, id: number, call: CallInfo) {
  const run = runOr404(ctx, id);
  if (!runStore(ctx.db).transition(id, ['queued', 'running', 'waiting_approval'], 'paused', call.actor, { pause_reason: 'operator' }))
    throw conflict(`Run ${id} is ${run.status}; only a queued, running or waiting run can be paused`);
  return done(ctx, id);
}

function resume(ctx: ServerContext, id: number, call: CallInfo, budget: number | null | 'mode') {
  const run = runOr404(ctx, id);
  const b = budget === 'mode' ? (run.mode === 'stepwise' ? 1 : null) : budget;
  if (!runStore(ctx.db).transition(id, ['paused'], 'running', call.actor, { step_budget: b }, { budget: b }))
    throw conflict(`Run ${id} is ${runOr404(ctx, id).status}; only a paused run can be resumed`);
  kick(ctx, id);
  return done(ctx, id);
}

export const operatorServices: readonly Implementation[] = [
  implement(O.createRun, (p, ctx, call) => ({ ok: true as const, item: startRun(ctx, p, call.actor) })),
  implement(O.listRuns, (p, ctx) => ({ ok: true as const, ...runStore(ctx.db).list(p) })),
  implement(O.getRun, (p, ctx) => {
    const run = runOr404(ctx, p.id);
    return {
      ok: true as const,
      run,
      steps: runStore(ctx.db).steps(p.id),
      requests: actionsOfRun(ctx, actionRunId(p.id)),
      events: runStore(ctx.db).events(p.id),
    };
  }),
  implement(O.advance, (p, ctx, call) => {
    const run = runOr404(ctx, p.id);
    if (run.status !== 'paused') {
      const reason =
        run.status === 'waiting_approval'
          ? 'the run waits for an approval (see its requests)'
          : run.status === 'running' || run.status === 'queued'
            ? 'a step is already running'
            : `the run is ${run.status}`;
      return { ok: true as const, advanced: false, reason, item: run };
    }
    return { ok: true as const, advanced: true, reason: null, item: resume(ctx, p.id, call, 1) };
  }),
  implement(O.pause, (p, ctx, call) => ({ ok: true as const, item: pause(ctx, p.id, call) })),
  implement(O.resume, (p, ctx, call) => ({ ok: true as const, item: resume(ctx, p.id, call, 'mode') })),
  implement(O.cancel, (p, ctx, call) => {
    const run = runOr404(ctx, p.id);
    if (!runStore(ctx.db).transition(p.id, ['queued', 'running', 'waiting_approval', 'paused'], 'cancelled', call.actor))
      throw conflict(`Run ${p.id} already ended (${run.status})`);
    abortInFlight(ctx, p.id);
    const steps = runStore(ctx.db).steps(p.id);
    denyPending(
      ctx,
      p.id,
      steps.flatMap((s) => [s.gate_action_id, s.action_id]),
      `workflow run ${p.id} was cancelled`,
      call.actor,
    );
    return { ok: true as const, item: done(ctx, p.id) };
  }),
  implement(O.retryStep, (p, ctx, call) => {
    const rs = runStore(ctx.db);
    const run = runOr404(ctx, p.id);
    const step = stepOf(ctx, p.id, p);
    if (step.status !== 'failed') throw conflict(`Step ${step.position} '${step.name}' is ${step.status}; only a failed step can be retried`);
    if (run.status === 'cancelled' || run.status === 'completed') throw conflict(`Run ${p.id} is ${run.status}; it cannot be retried`);
    const usedUp = timeUsedUp(ctx, p.id);
    if (usedUp) throw conflict(usedUp);
    const max = ctx.config['workflows.operatorMaxStepRetries'];
    if (step.operator_retries >= max)
      throw conflict(
        `Step ${step.position} '${step.name}' was already retried ${step.operator_retries} time(s); the limit is ${max} (AGENTORA_OPERATOR_MAX_STEP_RETRIES)`,
      );
    rs.tx(() => {
      rs.patchStep(
        p.id,
        step.position,
        ['failed'],
        {
          status: 'pending',
          attempts: 0,
          operator_retries: step.operator_retries + 1,
          approved: false,
          gate_action_id: null,
          action_id: null,
          error: null,
          finished_at: null,
          next_attempt_at: null,
        },
        { type: 'step_retry_requested', actor: call.actor, payload: { retry: step.operator_retries + 1, previous_error: step.error } },
      );
      if (run.status === 'failed') rs.transition(p.id, ['failed'], 'running', call.actor, { error: null }, { retry_of_position: step.position });
    });
    kick(ctx, p.id);
    return { ok: true as const, item: rs.step(p.id, step.position)!, run: done(ctx, p.id) };
  }),
  implement(O.skipStep, (p, ctx, call) => {
    const rs = runStore(ctx.db);
    const run = runOr404(ctx, p.id);
    const step = stepOf(ctx, p.id, p);
    if (run.status === 'cancelled' || run.status === 'completed') throw conflict(`Run ${p.id} is ${run.status}; its steps cannot be skipped`);
    const usedUp = run.status === 'failed' ? timeUsedUp(ctx, p.id) : null;
    if (usedUp) throw conflict(usedUp);
    if (step.status === 'done' || step.status === 'skipped' || step.status === 'reused')
      throw conflict(`Step ${step.position} '${step.name}' is already ${step.status}`);
    if (step.status === 'running') abortInFlight(ctx, p.id);
    const ok = rs.tx(() => {
      const changed = rs.patchStep(
        p.id,
        step.position,
        [step.status],
        { status: 'skipped', skip_reason: p.reason, finished_at: new Date().toISOString(), next_attempt_at: null },
        { type: 'step_skipped', actor: call.actor, payload: { reason: p.reason, was: step.status, transport: call.transport } },
      );
      if (changed && (run.status === 'failed' || run.status === 'waiting_approval'))
        rs.transition(p.id, [run.status], 'running', call.actor, { error: null });
      return changed;
    });
    if (!ok) throw conflict(`Step ${step.position} '${step.name}' changed meanwhile; read the run again`);
    denyPending(ctx, p.id, [step.gate_action_id, step.action_id], `step skipped by the operator: ${p.reason}`, call.actor);
    kick(ctx, p.id);
    return { ok: true as const, item: rs.step(p.id, step.position)!, run: done(ctx, p.id) };
  }),
  implement(O.workflows, (p, ctx) => {
    const { items, total } = workflowStore(ctx.db).list(p.limit, p.offset);
    return { ok: true as const, items: items.map((w) => ({ ...w, ...runStore(ctx.db).stats(w.id) })), total };
  }),
  implement(O.history, (p, ctx) => {
    workflowOr404(ctx, p.id);
    return { ok: true as const, ...runStore(ctx.db).list({ workflow_id: p.id, status: p.status, limit: p.limit, offset: p.offset }) };
  }),
];
