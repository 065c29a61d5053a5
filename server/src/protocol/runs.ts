// Runs contract: a goal given to a team, executed as a durable background job (answers at once; every step is
// committed before the next; a restart resumes). Budgets stop a run with `stopped` + the budget's name.
import { z } from 'zod';
import { defineMethod, pagination, wire, zBool, zInt, zNum } from './define';
import { Plan, Subgoal, TeamMode } from './teams';

/**
 * `waiting_approval`: an agent's side effect waits in the safe-actions queue for the operator (`waiting_action_id`
 * names it); `interrupted`: a restart found the run unfinished and the operator chose not to resume it.
 */
export const RunStatus = z.enum(['queued', 'running', 'waiting_approval', 'paused', 'completed', 'stopped', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;
export const TERMINAL: readonly RunStatus[] = ['completed', 'stopped', 'failed', 'cancelled', 'interrupted'];
/** States in which the run's job is working (a branch may wait on an approval while another works). */
export const WORKING: RunStatus[] = ['running', 'waiting_approval'];
export const StopReason = z.enum(['max_turns', 'max_seconds', 'token_budget', 'no_progress', 'invalid_plan', 'step_cap']);
export const WorkerMode = z.enum(['auto', 'prefer_worker', 'local']);

export const Run = z.object({
  id: z.string(),
  team_id: z.number().int(),
  prompt: z.string(),
  mode: TeamMode,
  status: RunStatus,
  stop_reason: StopReason.nullable(),
  error: z.string().nullable(),
  max_turns: z.number().int(),
  max_seconds: z.number(),
  token_budget: z.number().int(),
  consensus_threshold: z.number(),
  reflection: z.boolean(),
  turns_used: z.number().int(),
  tokens_used: z.number().int(),
  /** Seconds spent running (paused time not counted). */
  seconds_used: z.number(),
  final_output: z.string().nullable(),
  /** The action (safe-actions queue) the run waits on while `waiting_approval`. */
  waiting_action_id: z.number().int().nullable(),
  /** Where the run's model calls may run (workers); null: auto. */
  worker_mode: WorkerMode.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
});
export type Run = z.infer<typeof Run>;

export const RunSubgoal = Subgoal.extend({ status: z.enum(['pending', 'running', 'done', 'skipped']), output: z.string().nullable() });
export const RunMessage = z.object({
  id: z.number().int(),
  role: z.string(),
  content: z.string(),
  agent_id: z.number().int().nullable(),
  subgoal_id: z.string().nullable(),
  meta: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
export const TraceEvent = z.object({
  id: z.number().int(),
  run_id: z.string(),
  agent_id: z.number().int().nullable(),
  event_type: z.string(),
  payload: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});

const RunId = z.object({ id: z.string().min(1).max(80) });

export const createRun = defineMethod({
  method: 'agentora/runs/create',
  description: 'Start a run of a team on a prompt. Answers at once; the run proceeds in the background.',
  params: z.object({
    team_id: zInt,
    prompt: z.string().trim().min(1).max(20000),
    mode: TeamMode.optional(),
    max_turns: zInt.pipe(z.number().int().min(1).max(200)).default(6),
    max_seconds: zNum.pipe(z.number().min(1).max(86400)).default(60),
    token_budget: zInt.pipe(z.number().int().min(1).max(10_000_000)).default(3000),
    consensus_threshold: zNum.pipe(z.number().min(0).max(1)).default(1),
    reflection: zBool.default(false),
    worker_mode: WorkerMode.optional(),
  }),
  result: z.object({ run_id: z.string(), status: RunStatus, messages: z.array(RunMessage), run: Run }),
  rest: {
    verb: 'POST',
    path: '/api/runs',
    wire: { schema: z.looseObject({ run_id: z.string(), status: z.string(), messages: z.array(z.unknown()) }) },
  },
});

export const listRuns = defineMethod({
  method: 'agentora/runs/list',
  description: 'Runs, newest first (filter by status / team).',
  params: z.object({ ...pagination(50, 500), status: RunStatus.optional(), team_id: zInt.optional() }).default({ limit: 50, offset: 0 }),
  result: z.object({ items: z.array(Run), total: z.number().int() }),
  rest: {
    verb: 'GET',
    path: '/api/runs',
    wire: wire(z.object({ items: z.array(Run), total: z.number() }), {
      schema: z.array(z.looseObject({ id: z.string(), status: z.string() })),
      toWire: (r) => r.items,
      headers: (r) => ({ 'X-Total-Count': String(r.total) }),
    }),
  },
  scope: 'agent',
  readOnly: true,
});

export const getRun = defineMethod({
  method: 'agentora/runs/get',
  description: 'A run and its messages.',
  params: RunId,
  result: z.object({ run: Run, messages: z.array(RunMessage) }),
  rest: {
    verb: 'GET',
    path: '/api/runs/:id',
    wire: {
      schema: z.looseObject({ run: z.looseObject({ id: z.string() }), messages: z.array(z.looseObject({ role: z.string(), content: z.string() })) }),
    },
  },
  scope: 'agent',
  readOnly: true,
});

const OkRun = z.object({ ok: z.literal(true), run: Run });
const okWire = { schema: z.looseObject({ ok: z.boolean() }) };
export const pauseRun = defineMethod({
  method: 'agentora/runs/pause',
  description: 'Pause at the next step boundary (no model calls while paused).',
  params: RunId,
  result: OkRun,
  rest: { verb: 'POST', path: '/api/runs/:id/pause', wire: okWire },
});
export const resumeRun = defineMethod({
  method: 'agentora/runs/resume',
  description: 'Continue a paused (or interrupted) run from its last completed step.',
  params: RunId,
  result: OkRun,
  rest: { verb: 'POST', path: '/api/runs/:id/resume', wire: okWire },
});
export const cancelRun = defineMethod({
  method: 'agentora/runs/cancel',
  description: 'Cancel a run (an in-flight model call is aborted).',
  params: RunId,
  result: OkRun,
  rest: { verb: 'POST', path: '/api/runs/:id/cancel', wire: okWire },
});

export const runPlan = defineMethod({
  method: 'agentora/runs/plan',
  description: "A run's plan and subgoals with their state.",
  params: RunId,
  result: z.object({ ok: z.literal(true), plan: Plan.nullable(), subgoals: z.array(RunSubgoal) }),
  rest: {
    verb: 'GET',
    path: '/api/runs/:id/plan',
    wire: { schema: z.looseObject({ ok: z.boolean(), plan: z.unknown(), subgoals: z.array(z.unknown()) }) },
  },
  scope: 'agent',
  readOnly: true,
});

export const runTrace = defineMethod({
  method: 'agentora/runs/trace',
  description: "A run's trace: plan, each step, budget stops, state changes.",
  params: RunId,
  result: z.object({ ok: z.literal(true), run_id: z.string(), trace: z.array(TraceEvent) }),
  rest: [
    {
      verb: 'GET',
      path: '/api/runs/:id/trace',
      wire: { schema: z.looseObject({ ok: z.boolean(), run_id: z.string(), trace: z.array(z.looseObject({ event_type: z.string() })) }) },
    },
    {
      verb: 'GET',
      path: '/api/runs/:id/collaboration-trace',
      wire: { schema: z.looseObject({ ok: z.boolean(), run_id: z.string(), trace: z.array(z.looseObject({ event_type: z.string() })) }) },
    },
  ],
  scope: 'agent',
  readOnly: true,
});

export const cloneAgent = defineMethod({
  method: 'agentora/runs/cloneAgent',
  description: 'Copy an agent for this run (optionally with another name, model or system prompt); the copy is linked to the run and the original.',
  params: RunId.extend({
    agent_id: zInt,
    name: z.string().trim().min(1).max(120).optional(),
    model: z.string().trim().min(1).max(200).optional(),
    system_prompt: z.string().max(20000).optional(),
  }),
  result: z.object({ ok: z.literal(true), agent_id: z.number().int() }),
  rest: { verb: 'POST', path: '/api/runs/:id/clone-agent', wire: { schema: z.looseObject({ ok: z.boolean(), agent_id: z.number() }) } },
});

export const runsMethods = [createRun, listRuns, getRun, pauseRun, resumeRun, cancelRun, runPlan, runTrace, cloneAgent] as const;
