// Operator Mode contract: steer workflow runs — stepwise (one step per advance) or auto, pause / resume /
// advance / retry-step (bounded by AGENTORA_OPERATOR_MAX_STEP_RETRIES) / skip-step (reason required, audited) /
// cancel — and read a run with its steps and its approval requests (items of the actions queue).
import { z } from 'zod';
import { defineMethod, pagination, zInt } from './define';
import { ActionItem } from './actions';
import { RunEvent, RunMode, RunStep, WorkerMode, Workflow, WorkflowRun, WorkflowRunStatus } from './workflows';

const Id = zInt.pipe(z.number().int().min(1));
const RunRef = z.union([z.string().max(200), z.number()]).transform((v) => String(v));
const OkRun = z.object({ ok: z.literal(true), item: WorkflowRun });
const okItem = { schema: z.looseObject({ ok: z.boolean(), item: z.looseObject({ id: z.number(), status: z.string() }) }) };
/** A step by its definition step id (`step_id`, as the earlier product) or by its position. */
const StepRef = z
  .object({ id: Id, step_id: Id.optional(), position: Id.optional() })
  .refine((p) => p.step_id !== undefined || p.position !== undefined, { message: 'give step_id or position', path: ['step_id'] });

export const createRun = defineMethod({
  method: 'agentora/operator/createRun',
  description: 'Start an operator run of a workflow: stepwise (waits for advance before each step) or auto. Answers at once.',
  params: z.object({
    workflow_id: Id,
    run_id: RunRef.optional(),
    mode: RunMode.default('stepwise'),
    worker_mode: WorkerMode.default('auto'),
    inputs: z.record(z.string(), z.unknown()).default({}),
  }),
  result: OkRun,
  rest: { verb: 'POST', path: '/api/operator/runs', wire: okItem },
});

export const listRuns = defineMethod({
  method: 'agentora/operator/listRuns',
  description: 'Workflow runs, newest first (filter by status / workflow).',
  params: z.object({ ...pagination(50, 500), status: WorkflowRunStatus.optional(), workflow_id: Id.optional() }).default({ limit: 50, offset: 0 }),
  result: z.object({ ok: z.literal(true), items: z.array(WorkflowRun), total: z.number().int() }),
  rest: {
    verb: 'GET',
    path: '/api/operator/runs',
    wire: { schema: z.looseObject({ ok: z.boolean(), items: z.array(z.looseObject({ id: z.number() })) }) },
  },
  readOnly: true,
});

export const getRun = defineMethod({
  method: 'agentora/operator/getRun',
  description: 'A run, its steps (state, input, output, timings) and its approval requests (actions queue items).',
  params: z.object({ id: Id }),
  result: z.object({ ok: z.literal(true), run: WorkflowRun, steps: z.array(RunStep), requests: z.array(ActionItem), events: z.array(RunEvent) }),
  rest: {
    verb: 'GET',
    path: '/api/operator/runs/:id',
    wire: {
      schema: z.looseObject({
        ok: z.boolean(),
        run: z.looseObject({ id: z.number(), status: z.string() }),
        steps: z.array(z.looseObject({ id: z.number(), status: z.string() })),
        requests: z.array(z.looseObject({ id: z.number() })),
      }),
    },
  },
  readOnly: true,
});

export const advance = defineMethod({
  method: 'agentora/operator/advance',
  description: 'Run the next step, then pause (stepwise). advanced=false when the run cannot advance now (waiting for approval, finished).',
  params: z.object({ id: Id }),
  result: z.object({ ok: z.literal(true), advanced: z.boolean(), reason: z.string().nullable(), item: WorkflowRun }),
  rest: { verb: 'POST', path: '/api/operator/runs/:id/advance', wire: { schema: z.looseObject({ ok: z.boolean(), advanced: z.boolean() }) } },
});

export const pause = defineMethod({
  method: 'agentora/operator/pause',
  description: 'Pause at the next step boundary (a step in flight finishes and is recorded).',
  params: z.object({ id: Id }),
  result: OkRun,
  rest: { verb: 'POST', path: '/api/operator/runs/:id/pause', wire: okItem },
});

export const resume = defineMethod({
  method: 'agentora/operator/resume',
  description: 'Continue a paused run in its mode (auto: to the end; stepwise: the next step).',
  params: z.object({ id: Id }),
  result: OkRun,
  rest: { verb: 'POST', path: '/api/operator/runs/:id/resume', wire: okItem },
});

export const cancel = defineMethod({
  method: 'agentora/operator/cancel',
  description: 'Cancel a run (its pending approval requests are denied).',
  params: z.object({ id: Id }),
  result: OkRun,
  rest: { verb: 'POST', path: '/api/operator/runs/:id/cancel', wire: okItem },
});

const StepResult = z.object({ ok: z.literal(true), item: RunStep, run: WorkflowRun });
const stepWire = { schema: z.looseObject({ ok: z.boolean(), item: z.looseObject({ id: z.number(), status: z.string() }) }) };

export const retryStep = defineMethod({
  method: 'agentora/operator/retryStep',
  description: 'Run a failed step again (at most AGENTORA_OPERATOR_MAX_STEP_RETRIES times per step); the run continues from it.',
  params: StepRef,
  result: StepResult,
  rest: { verb: 'POST', path: '/api/operator/runs/:id/retry-step', wire: stepWire },
});

export const skipStep = defineMethod({
  method: 'agentora/operator/skipStep',
  description: 'Skip a step that has not finished (reason required; recorded in the run history).',
  params: z
    .object({ id: Id, step_id: Id.optional(), position: Id.optional(), reason: z.string().trim().min(1, 'a reason is required').max(2000) })
    .refine((p) => p.step_id !== undefined || p.position !== undefined, { message: 'give step_id or position', path: ['step_id'] }),
  result: StepResult,
  rest: { verb: 'POST', path: '/api/operator/runs/:id/skip-step', wire: stepWire },
});

export const OperatorWorkflow = Workflow.extend({
  runs_total: z.number().int(),
  runs_active: z.number().int(),
  last_run_status: WorkflowRunStatus.nullable(),
  last_run_at: z.string().nullable(),
});
export const workflows = defineMethod({
  method: 'agentora/operator/workflows',
  description: 'Workflows with their run counts and last run (the operator overview).',
  params: z.object(pagination(100, 500)).default({ limit: 100, offset: 0 }),
  result: z.object({ ok: z.literal(true), items: z.array(OperatorWorkflow), total: z.number().int() }),
  rest: {
    verb: 'GET',
    path: '/api/operator/workflows',
    wire: { schema: z.looseObject({ ok: z.boolean(), items: z.array(z.looseObject({ id: z.number() })) }) },
  },
  readOnly: true,
});

export const history = defineMethod({
  method: 'agentora/operator/history',
  description: "A workflow's run history, newest first (filter by status).",
  params: z.object({ id: Id, ...pagination(50, 500), status: WorkflowRunStatus.optional() }),
  result: z.object({ ok: z.literal(true), items: z.array(WorkflowRun), total: z.number().int() }),
  rest: {
    verb: 'GET',
    path: '/api/operator/workflows/:id/history',
    wire: { schema: z.looseObject({ ok: z.boolean(), items: z.array(z.looseObject({ id: z.number(), status: z.string() })) }) },
  },
  readOnly: true,
});

export const operatorMethods = [createRun, listRuns, getRun, advance, pause, resume, cancel, retryStep, skipStep, workflows, history] as const;
