// Workflows contract: definitions (an inputs JSON schema and ordered steps), durable runs, replay and compare.
// REST routes follow ../shared/brief/http-api.md "Workflows and operator"; the operator routes are in ./operator.ts.
// A run's state lives in SQLite step by step (services/workflows/), so these answers are always the committed state.
import { z } from 'zod';
import { defineMethod, defineNotification, pagination, zBool, zInt, zNum } from './define';

export const StepType = z.enum(['model_call', 'action', 'tool', 'team_run', 'approval_gate', 'handoff']);
export type StepType = z.infer<typeof StepType>;
export const OnFailure = z.enum(['stop', 'continue', 'skip']);
/** Tools a `tool` step can call (memory through the memory service, http through the outbound domain check). */
export const WorkflowTool = z.enum(['memory_search', 'memory_propose', 'http_fetch']);

export const RunMode = z.enum(['auto', 'stepwise']);
export const WorkerMode = z.enum(['auto', 'prefer_worker', 'local']);
export const WorkflowRunStatus = z.enum(['queued', 'running', 'paused', 'waiting_approval', 'completed', 'failed', 'cancelled']);
export type WorkflowRunStatus = z.infer<typeof WorkflowRunStatus>;
export const StepStatus = z.enum(['pending', 'running', 'waiting_approval', 'retry_wait', 'done', 'failed', 'skipped', 'reused']);
export type StepStatus = z.infer<typeof StepStatus>;

const Id = zInt.pipe(z.number().int().min(1));
/** Earlier clients send integer run ids (`run_id: 7001`); ours are text. */
const RunRef = z.union([z.string().max(200), z.number()]).transform((v) => String(v));

/** A JSON schema of a workflow's inputs: an object schema (properties may be empty). */
export const ParamsSchema = z.looseObject({
  type: z.literal('object').default('object'),
  properties: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  required: z.array(z.string()).optional(),
});

export const StepSpec = z.object({
  name: z.string().trim().min(1).max(120).optional(),
  step_type: StepType,
  /** action: the safe-actions tool; tool: memory_search | memory_propose | http_fetch. */
  tool_name: z.string().trim().max(100).nullish(),
  /** Templated with `{{inputs.x}}` and `{{steps.<name or position>.output[.path]}}` (earlier steps only). */
  params: z.record(z.string(), z.unknown()).default({}),
  requires_approval: zBool.default(false),
  timeout_seconds: zNum.pipe(z.number().min(0.01).max(86400)).default(300),
  max_retries: zInt.pipe(z.number().int().min(0).max(20)).default(0),
  backoff_seconds: zNum.pipe(z.number().min(0).max(3600)).default(1),
  on_failure: OnFailure.default('stop'),
});
export type StepSpec = z.infer<typeof StepSpec>;

/** An edit of one step: only the fields given change (no defaults filled in). */
export const StepPatch = z.object({
  name: z.string().trim().min(1).max(120).optional(),
  step_type: StepType.optional(),
  tool_name: z.string().trim().max(100).nullish(),
  params: z.record(z.string(), z.unknown()).optional(),
  requires_approval: zBool.optional(),
  timeout_seconds: zNum.pipe(z.number().min(0.01).max(86400)).optional(),
  max_retries: zInt.pipe(z.number().int().min(0).max(20)).optional(),
  backoff_seconds: zNum.pipe(z.number().min(0).max(3600)).optional(),
  on_failure: OnFailure.optional(),
});

export const Step = StepSpec.extend({
  id: z.number().int(),
  workflow_id: z.number().int(),
  position: z.number().int(),
  name: z.string(),
  tool_name: z.string().nullable(),
});
export type Step = z.infer<typeof Step>;

export const Workflow = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string(),
  params_schema: z.record(z.string(), z.unknown()),
  version: z.number().int(),
  cloned_from: z.number().int().nullable(),
  step_count: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Workflow = z.infer<typeof Workflow>;

export const WorkflowRun = z.object({
  id: z.number().int(),
  workflow_id: z.number().int(),
  workflow_name: z.string(),
  workflow_version: z.number().int(),
  /** The caller's own run reference (the earlier product's `run_id`), if given. */
  run_id: z.string().nullable(),
  mode: RunMode,
  worker_mode: WorkerMode,
  status: WorkflowRunStatus,
  /** Why a paused run is paused: `stepwise` (waiting for advance), `operator`, `approval`. */
  pause_reason: z.string().nullable(),
  /** Position of the step the run is at (null when finished). */
  current_position: z.number().int().nullable(),
  steps_total: z.number().int(),
  steps_done: z.number().int(),
  inputs: z.record(z.string(), z.unknown()),
  outputs: z.record(z.string(), z.unknown()).nullable(),
  input_json: z.string(),
  output_json: z.string().nullable(),
  error: z.string().nullable(),
  replay_of: z.number().int().nullable(),
  replay_from: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  /** The run's time limit in seconds (AGENTORA_MAX_WORKFLOW_DURATION_SECONDS when it was created); null: none. */
  max_duration_seconds: z.number().int().nullable(),
  /** When the run fails for its time limit; null while the operator holds it (paused, waiting for approval, failed) — that time does not count. */
  deadline_at: z.string().nullable(),
});
export type WorkflowRun = z.infer<typeof WorkflowRun>;

export const RunStep = z.object({
  id: z.number().int(),
  run_id: z.number().int(),
  position: z.number().int(),
  step_id: z.number().int().nullable(),
  name: z.string(),
  step_type: StepType,
  status: StepStatus,
  attempts: z.number().int(),
  operator_retries: z.number().int(),
  requires_approval: z.boolean(),
  approved: z.boolean(),
  /** The approval request (in the actions queue) of a gate or a requires_approval step. */
  gate_action_id: z.number().int().nullable(),
  /** The action an `action` step proposed. */
  action_id: z.number().int().nullable(),
  /** A `team_run` step's team run id. */
  external_ref: z.string().nullable(),
  input: z.unknown(),
  output: z.unknown(),
  error: z.string().nullable(),
  skip_reason: z.string().nullable(),
  /** Replay: the original run's step whose recorded output this step reuses. */
  reused_from: z.number().int().nullable(),
  next_attempt_at: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
});
export type RunStep = z.infer<typeof RunStep>;

export const RunEvent = z.object({
  id: z.number().int(),
  run_id: z.number().int(),
  position: z.number().int().nullable(),
  event_type: z.string(),
  actor: z.string(),
  payload: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});

const okItems = z.looseObject({ ok: z.boolean(), items: z.array(z.looseObject({ id: z.number() })) });
const okItem = z.looseObject({ ok: z.boolean(), item: z.looseObject({ id: z.number() }) });
const runWire = z.looseObject({
  ok: z.boolean(),
  item: z.looseObject({
    id: z.number(),
    workflow_id: z.number(),
    run_id: z.string().nullable(),
    status: z.string(),
    input_json: z.string(),
    output_json: z.string().nullable(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  }),
});

export const WorkflowBody = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).default(''),
  params_schema: ParamsSchema.default({ type: 'object', properties: {} }),
  steps: z.array(StepSpec).max(100).default([]),
});
/** Earlier clients send `steps[{position, …}]`: order by position, then drop it. */
const stepsFromWire = (input: Record<string, unknown>) =>
  Array.isArray(input.steps)
    ? {
        ...input,
        steps: [...(input.steps as Record<string, unknown>[])]
          .map((s, i) => ({ s, k: typeof s?.position === 'number' ? s.position : i }))
          .sort((a, b) => a.k - b.k)
          .map(({ s }) => {
            if (!s || typeof s !== 'object') return s;
            const { position: _p, ...rest } = s;
            return rest;
          }),
      }
    : input;

const WorkflowWithSteps = z.object({ ok: z.literal(true), item: Workflow, steps: z.array(Step) });

export const create = defineMethod({
  method: 'agentora/workflows/create',
  description: 'Create a workflow definition. Refused with a 400 naming the step and field when a step or template is invalid.',
  params: WorkflowBody,
  result: WorkflowWithSteps,
  rest: { verb: 'POST', path: '/api/workflows', wire: { schema: okItem, fromWire: stepsFromWire } },
});

export const list = defineMethod({
  method: 'agentora/workflows/list',
  description: 'Workflow definitions, newest first.',
  params: z.object({ ...pagination(50, 500), search: z.string().max(200).optional() }).default({ limit: 50, offset: 0 }),
  result: z.object({ ok: z.literal(true), items: z.array(Workflow), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/workflows', wire: { schema: okItems } },
  scope: 'agent',
  readOnly: true,
});

export const get = defineMethod({
  method: 'agentora/workflows/get',
  description: 'A workflow definition and its steps.',
  params: z.object({ id: Id }),
  result: WorkflowWithSteps,
  rest: {
    verb: 'GET',
    path: '/api/workflows/:id',
    wire: { schema: z.looseObject({ ok: z.boolean(), item: z.looseObject({ id: z.number() }), steps: z.array(z.looseObject({ id: z.number() })) }) },
  },
  scope: 'agent',
  readOnly: true,
});

export const update = defineMethod({
  method: 'agentora/workflows/update',
  description: 'Replace a definition (name, description, inputs schema, steps). The version goes up; runs keep the version they ran.',
  params: WorkflowBody.extend({ id: Id }),
  result: WorkflowWithSteps,
  rest: { verb: 'PUT', path: '/api/workflows/:id', wire: { schema: okItem, fromWire: stepsFromWire } },
});

export const updateStep = defineMethod({
  method: 'agentora/workflows/updateStep',
  description: 'Edit one step (only the fields given). The version goes up.',
  params: StepPatch.extend({ id: Id, step_id: Id }),
  result: z.object({ ok: z.literal(true), item: Step, workflow: Workflow }),
  rest: { verb: 'POST', path: '/api/workflows/:id/steps/:step_id', wire: { schema: okItem } },
});

export const clone = defineMethod({
  method: 'agentora/workflows/clone',
  description: 'Copy a definition (version 1, linked to the original).',
  params: z.object({ id: Id, name: z.string().trim().min(1).max(200).optional() }),
  result: WorkflowWithSteps,
  rest: { verb: 'POST', path: '/api/workflows/:id/clone', wire: { schema: okItem } },
});

export const remove = defineMethod({
  method: 'agentora/workflows/delete',
  description: 'Delete a definition and its runs (refused while one of its runs is active).',
  params: z.object({ id: Id }),
  result: z.object({ ok: z.literal(true), deleted: z.number().int() }),
  rest: { verb: 'DELETE', path: '/api/workflows/:id' },
});

export const exportYaml = defineMethod({
  method: 'agentora/workflows/exportYaml',
  description: 'A definition as YAML (generated from the stored definition).',
  params: z.object({ id: Id }),
  result: z.object({ ok: z.literal(true), yaml_text: z.string() }),
  rest: { verb: 'GET', path: '/api/workflows/:id/export' },
  readOnly: true,
});

export const importYaml = defineMethod({
  method: 'agentora/workflows/importYaml',
  description: 'Create a definition from YAML (same checks as create).',
  params: z.object({ yaml_text: z.string().min(1).max(1_000_000) }),
  result: WorkflowWithSteps,
  rest: { verb: 'POST', path: '/api/workflows/import' },
});

export const RunParams = z.object({
  id: Id,
  run_id: RunRef.optional(),
  inputs: z.record(z.string(), z.unknown()).default({}),
  mode: RunMode.default('auto'),
  worker_mode: WorkerMode.default('auto'),
});
export const run = defineMethod({
  method: 'agentora/workflows/run',
  description: 'Start a run (inputs validated against the schema). Answers at once; steps run in the background.',
  params: RunParams,
  result: z.object({ ok: z.literal(true), item: WorkflowRun }),
  rest: { verb: 'POST', path: '/api/workflows/:id/run', wire: { schema: runWire } },
});

export const runs = defineMethod({
  method: 'agentora/workflows/runs',
  description: "A workflow's runs, newest first.",
  params: z.object({ id: Id, ...pagination(50, 500), status: WorkflowRunStatus.optional() }),
  result: z.object({ ok: z.literal(true), items: z.array(WorkflowRun), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/workflows/:id/runs', wire: { schema: okItems } },
  scope: 'agent',
  readOnly: true,
});

export const replay = defineMethod({
  method: 'agentora/workflows/replay',
  description:
    'Replay a past run from its recorded inputs (or new ones) with the definition version it ran. Steps before from_step (a position) reuse their recorded outputs — no model call, no action — later steps run for real. The new run links to the original.',
  params: z.object({
    id: Id,
    from_step: zInt.pipe(z.number().int().min(1)).optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    mode: RunMode.default('auto'),
  }),
  result: z.object({ ok: z.literal(true), item: WorkflowRun, replay_of: z.number().int(), reused_steps: z.array(z.number().int()) }),
  rest: { verb: 'POST', path: '/api/workflows/runs/:id/replay', wire: { schema: runWire } },
});

export const StepCompare = z.object({
  position: z.number().int(),
  name: z.string(),
  left_status: StepStatus.nullable(),
  right_status: StepStatus.nullable(),
  left_output: z.unknown(),
  right_output: z.unknown(),
  same: z.boolean(),
  reused: z.boolean(),
});
export const compare = defineMethod({
  method: 'agentora/workflows/compare',
  description: 'Two runs side by side, step by step: where their outputs diverged (default: a replay against the run it replays).',
  params: z.object({ id: Id, other_run_id: Id.optional() }),
  result: z.object({
    ok: z.literal(true),
    left: WorkflowRun,
    right: WorkflowRun,
    steps: z.array(StepCompare),
    first_divergence: z.number().int().nullable(),
    inputs_same: z.boolean(),
  }),
  rest: { verb: 'GET', path: '/api/workflows/runs/:id/compare' },
  readOnly: true,
});

export const didChange = defineNotification({
  name: 'agentora/workflows/didChange',
  description: 'A workflow run or one of its steps changed state.',
  payload: z.object({ run_id: z.number().int(), workflow_id: z.number().int(), status: WorkflowRunStatus, position: z.number().int().nullable() }),
});

export const workflowsMethods = [create, list, get, update, updateStep, clone, remove, exportYaml, importYaml, run, runs, replay, compare] as const;
export const workflowsNotifications = [didChange] as const;
