// Workflows services (definitions, runs, replay, compare) and the runtime that starts the engine (resuming
// every unfinished run) and stops it before the database closes. Operator commands: ./operator.ts.
import * as W from '../../protocol/workflows';
import { AppError, badInput, conflict, notFound } from '../../protocol/errors';
import type { AreaRuntime } from '../../runtime';
import { implement, type Implementation } from '../registry';
import { checkDefinition, checkInputs } from './definitions';
import { workflowStore } from './store';
import { runStore } from './runStore';
import { kick, startEngine, stopEngine } from './engine';
import { replaySelection } from './stateMachine';
import { fromYaml, toYaml } from './yaml';
import { operatorServices } from './operator';
import { runOr404, startRun, workflowOr404 } from './lookup';

const withSteps = (d: { workflow: W.Workflow; steps: W.Step[] }) => ({ ok: true as const, item: d.workflow, steps: d.steps });

function valid(params: { params_schema: Record<string, unknown>; steps: W.StepSpec[] }) {
  checkDefinition(params.params_schema, params.steps);
}

export const workflowsServices: readonly Implementation[] = [
  implement(W.create, (p, ctx) => {
    valid(p);
    return withSteps(workflowStore(ctx.db).create(p));
  }),
  implement(W.list, (p, ctx) => ({ ok: true as const, ...workflowStore(ctx.db).list(p.limit, p.offset, p.search) })),
  implement(W.get, (p, ctx) => withSteps(workflowOr404(ctx, p.id))),
  implement(W.update, (p, ctx) => {
    workflowOr404(ctx, p.id);
    valid(p);
    return withSteps(workflowStore(ctx.db).replace(p.id, p));
  }),
  implement(W.updateStep, (p, ctx) => {
    const def = workflowOr404(ctx, p.id);
    const cur = def.steps.find((s) => s.id === p.step_id);
    if (!cur) throw notFound(`Step of workflow ${p.id}`, p.step_id);
    const { id: _w, step_id: _s, ...patch } = p;
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const next: W.Step = { ...cur, ...defined, tool_name: (defined.tool_name as string | null | undefined) ?? cur.tool_name };
    const steps = def.steps.map((s) => (s.id === cur.id ? next : s));
    try {
      checkDefinition(def.workflow.params_schema, steps);
    } catch (err) {
      // Name the field as this route knows it (the step's own fields), keeping the step in the message.
      if (err instanceof AppError && err.issues)
        throw new AppError(
          'bad_request',
          err.message,
          err.issues.map((i) => ({ ...i, path: i.path.replace(/^steps\.\d+\./, '') })),
        );
      throw err;
    }
    const after = workflowStore(ctx.db).updateStep(p.id, next);
    return { ok: true as const, item: after.steps.find((s) => s.id === cur.id)!, workflow: after.workflow };
  }),
  implement(W.clone, (p, ctx) => {
    const d = workflowOr404(ctx, p.id);
    return withSteps(
      workflowStore(ctx.db).create({
        name: p.name ?? `${d.workflow.name} (copy)`,
        description: d.workflow.description,
        params_schema: d.workflow.params_schema,
        steps: d.steps,
        cloned_from: d.workflow.id,
      }),
    );
  }),
  implement(W.remove, (p, ctx) => {
    workflowOr404(ctx, p.id);
    if (runStore(ctx.db).activeCount(p.id)) throw conflict(`Workflow ${p.id} has runs that have not finished; cancel them first`);
    return { ok: true as const, deleted: workflowStore(ctx.db).delete(p.id) };
  }),
  implement(W.exportYaml, (p, ctx) => ({ ok: true as const, yaml_text: toYaml(workflowOr404(ctx, p.id)) })),
  implement(W.importYaml, (p, ctx) => {
    const parsed = W.WorkflowBody.safeParse(fromYaml(p.yaml_text));
    if (!parsed.success) throw badInput(parsed.error, 'yaml_text');
    valid(parsed.data);
    return withSteps(workflowStore(ctx.db).create(parsed.data));
  }),
  implement(W.run, (p, ctx, call) => ({ ok: true as const, item: startRun(ctx, { ...p, workflow_id: p.id }, call.actor) })),
  implement(W.runs, (p, ctx) => {
    workflowOr404(ctx, p.id);
    return { ok: true as const, ...runStore(ctx.db).list({ workflow_id: p.id, status: p.status, limit: p.limit, offset: p.offset }) };
  }),
  implement(W.replay, (p, ctx, call) => {
    const rs = runStore(ctx.db);
    const orig = runOr404(ctx, p.id);
    const def = rs.definitionOf(orig.id);
    const from = p.from_step ?? 1;
    if (from > def.steps.length)
      throw new AppError('bad_request', `Invalid params: from_step: run ${orig.id} has ${def.steps.length} steps`, [
        { path: 'from_step', message: `at most ${def.steps.length}` },
      ]);
    const sel = replaySelection(rs.steps(orig.id), from);
    if (sel.missing !== null)
      throw new AppError(
        'bad_request',
        `Invalid params: from_step: step ${sel.missing} of run ${orig.id} has no recorded output to reuse (it is ${rs.step(orig.id, sel.missing)?.status})`,
        [{ path: 'from_step', message: `step ${sel.missing} has no recorded output` }],
      );
    const inputs = p.inputs ? checkInputs(def.workflow.params_schema, p.inputs) : orig.inputs;
    // The definition the original ran (its version), not today's: a replay is of that run.
    const run = rs.create(def, {
      run_ref: orig.run_id,
      mode: p.mode,
      worker_mode: orig.worker_mode,
      inputs,
      replay_of: orig.id,
      replay_from: from,
      reuse: new Map(sel.reuse.map((s) => [s.position, s])),
      actor: call.actor,
      max_duration_seconds: ctx.config['workflows.maxDurationSeconds'],
    });
    kick(ctx, run.id);
    return { ok: true as const, item: run, replay_of: orig.id, reused_steps: sel.reuse.map((s) => s.position) };
  }),
  implement(W.compare, (p, ctx) => {
    const rs = runStore(ctx.db);
    const right = runOr404(ctx, p.id);
    const otherId = p.other_run_id ?? right.replay_of;
    if (!otherId)
      throw new AppError('bad_request', 'Invalid params: other_run_id: run is not a replay; name the run to compare with', [
        { path: 'other_run_id', message: 'required' },
      ]);
    const left = runOr404(ctx, otherId);
    const ls = rs.steps(left.id);
    const rsteps = rs.steps(right.id);
    const positions = [...new Set([...ls, ...rsteps].map((s) => s.position))].sort((a, b) => a - b);
    const steps = positions.map((pos) => {
      const l = ls.find((s) => s.position === pos);
      const r = rsteps.find((s) => s.position === pos);
      return {
        position: pos,
        name: r?.name ?? l?.name ?? `step_${pos}`,
        left_status: l?.status ?? null,
        right_status: r?.status ?? null,
        left_output: l?.output ?? null,
        right_output: r?.output ?? null,
        same: JSON.stringify(l?.output ?? null) === JSON.stringify(r?.output ?? null),
        reused: r?.status === 'reused' || l?.status === 'reused',
      };
    });
    return {
      ok: true as const,
      left,
      right,
      steps,
      first_divergence: steps.find((s) => !s.same)?.position ?? null,
      inputs_same: JSON.stringify(left.inputs) === JSON.stringify(right.inputs),
    };
  }),
  ...operatorServices,
];

export const workflowsRuntime: AreaRuntime = {
  name: 'workflows',
  start: (ctx, registry) => startEngine(ctx, registry),
  stop: (ctx) => stopEngine(ctx),
};
