// Reports on team runs: handoffs, the team view (plan + handoffs + metrics), the run's actions, a Markdown
// report, and analytics from SQL aggregates (overview, one run, a CSV of all runs). Read-only.
import { z } from 'zod';
import { defineMethod, wire } from './define';
import { Plan } from './teams';
import { RunSubgoal } from './runs';
import { ActionItem } from './actions';

const RunId = z.object({ id: z.string().min(1).max(80) });

export const Handoff = z.object({
  from: z.array(z.string()),
  to: z.string(),
  from_agents: z.array(z.string()),
  to_agent: z.string(),
  /** What was handed over: the outputs of `from`, clipped. */
  context: z.string(),
  expected_output: z.string(),
  state: z.enum(['waiting', 'handed_over']),
});

export const runHandoffs = defineMethod({
  method: 'agentora/runs/handoffs',
  description: "A run's handoffs: each subgoal that needs earlier ones, with the context it gets and the output expected of it.",
  params: RunId,
  result: z.object({ ok: z.literal(true), items: z.array(Handoff) }),
  rest: { verb: 'GET', path: '/api/runs/:id/handoffs', wire: { schema: z.looseObject({ ok: z.boolean(), items: z.array(z.unknown()) }) } },
  scope: 'agent',
  readOnly: true,
});

export const RunMetric = z.object({
  turns_used: z.number().int(),
  tokens_used: z.number().int(),
  seconds_used: z.number(),
  subgoals_total: z.number().int(),
  subgoals_done: z.number().int(),
  tool_calls: z.number().int(),
  actions_proposed: z.number().int(),
  actions_denied: z.number().int(),
});

export const runTeam = defineMethod({
  method: 'agentora/runs/team',
  description: "A run's team view: plan, subgoals, handoffs and metrics.",
  params: RunId,
  result: z.object({ ok: z.literal(true), plan: Plan.nullable(), subgoals: z.array(RunSubgoal), handoffs: z.array(Handoff), metric: RunMetric }),
  rest: {
    verb: 'GET',
    path: '/api/runs/:id/team',
    wire: {
      schema: z.looseObject({
        ok: z.boolean(),
        plan: z.unknown(),
        subgoals: z.array(z.unknown()),
        handoffs: z.array(z.unknown()),
        metric: z.looseObject({}),
      }),
    },
  },
  scope: 'agent',
  readOnly: true,
});

export const Artifact = z.object({ action_id: z.number().int(), kind: z.literal('file'), path: z.string(), bytes: z.number().int().nullable() });

export const runActions = defineMethod({
  method: 'agentora/runs/actions',
  description: "The actions a run's agents proposed (safe-actions queue), their executions, and the files they wrote.",
  params: RunId,
  result: z.object({ ok: z.literal(true), requests: z.array(ActionItem), executions: z.array(z.unknown()), artifacts: z.array(Artifact) }),
  rest: {
    verb: 'GET',
    path: '/api/runs/:id/actions',
    wire: {
      schema: z.looseObject({ ok: z.boolean(), requests: z.array(z.unknown()), executions: z.array(z.unknown()), artifacts: z.array(z.unknown()) }),
    },
  },
  scope: 'agent',
  readOnly: true,
});

export const exportRun = defineMethod({
  method: 'agentora/runs/export',
  description: 'A Markdown report of a run: goal, team, plan, each deliverable, reviews, tool calls and approvals, the answer, budgets.',
  params: RunId,
  result: z.object({ ok: z.literal(true), run_id: z.string(), filename: z.string(), markdown: z.string() }),
  rest: {
    verb: 'GET',
    path: '/api/exports/run/:id',
    wire: wire(z.object({ ok: z.literal(true), run_id: z.string(), filename: z.string(), markdown: z.string() }), {
      schema: z.string().min(1),
      toWire: (r) => r.markdown,
      headers: (r) => ({ 'Content-Type': 'text/markdown; charset=utf-8', 'Content-Disposition': `attachment; filename="${r.filename}"` }),
    }),
  },
  scope: 'agent',
  readOnly: true,
});

const Counts = z.record(z.string(), z.number());
export const analyticsOverview = defineMethod({
  method: 'agentora/runs/analyticsOverview',
  description: 'Team runs in numbers (SQL aggregates): by status and mode, tokens, turns, time, completion rate, actions.',
  params: z.object({}).default({}),
  result: z.object({
    ok: z.literal(true),
    runs_total: z.number().int(),
    by_status: Counts,
    by_mode: Counts,
    completion_rate: z.number(),
    tokens_total: z.number().int(),
    turns_total: z.number().int(),
    avg_seconds: z.number(),
    actions: Counts,
  }),
  rest: { verb: 'GET', path: '/api/analytics/overview', wire: { schema: z.looseObject({ ok: z.boolean(), runs_total: z.number() }) } },
  scope: 'agent',
  readOnly: true,
});

export const analyticsRun = defineMethod({
  method: 'agentora/runs/analyticsRun',
  description: 'One run in numbers: steps by kind, tokens by agent, tool calls, actions by status.',
  params: RunId,
  result: z.object({
    ok: z.literal(true),
    run_id: z.string(),
    status: z.string(),
    turns_used: z.number().int(),
    tokens_used: z.number().int(),
    seconds_used: z.number(),
    steps_by_kind: Counts,
    agents: z.array(
      z.object({
        agent_id: z.number().nullable(),
        agent_name: z.string().nullable(),
        steps: z.number(),
        prompt_tokens: z.number(),
        eval_tokens: z.number(),
      }),
    ),
    actions: Counts,
  }),
  rest: { verb: 'GET', path: '/api/analytics/runs/:id', wire: { schema: z.looseObject({ ok: z.boolean(), run_id: z.string() }) } },
  scope: 'agent',
  readOnly: true,
});

export const analyticsCsv = defineMethod({
  method: 'agentora/runs/analyticsCsv',
  description: 'Every run as one CSV row (id, team, mode, status, stop reason, budgets used, times).',
  params: z.object({}).default({}),
  result: z.object({ ok: z.literal(true), csv: z.string(), rows: z.number().int() }),
  rest: {
    verb: 'GET',
    path: '/api/analytics/export.csv',
    wire: wire(z.object({ ok: z.literal(true), csv: z.string(), rows: z.number().int() }), {
      schema: z.string().min(1),
      toWire: (r) => r.csv,
      headers: () => ({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="agentora-runs.csv"' }),
    }),
  },
  // A bulk export of every run: the operator's, like the other exports of the whole store.
  scope: 'operator',
  readOnly: true,
});

export const runsReportMethods = [runHandoffs, runTeam, runActions, exportRun, analyticsOverview, analyticsRun, analyticsCsv] as const;
