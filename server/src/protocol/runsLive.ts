// Live progress of team runs: one notification the runner emits at every change a watcher cares about. The
// language-server connection forwards it to the editor; `GET /api/runs/{id}/stream` (SSE) filters it to one run.
import { z } from 'zod';
import { defineNotification } from './define';

export const RunEventKind = z.enum([
  /** The run's status changed (queued → running → waiting_approval → … → completed / stopped / failed / …). */
  'status',
  /** The plan is known: subgoals, dependencies, assignment. */
  'plan',
  /** A subgoal started or finished (subgoal_id, state). */
  'subgoal',
  /** A piece of an agent's answer as it streams (delta). */
  'token',
  /** An agent asked for a tool (data: {name, arguments}). */
  'tool_call',
  /** What a tool call returned, or why it did not happen (data: {name, observation, action_id}). */
  'tool_result',
  /** The run waits on an action in the safe-actions queue (data: {action_id, summary}). */
  'approval',
  /** A completed step: usage so far (data: {kind, turns_used, tokens_used, seconds_used}). */
  'step',
  /** Output of one subgoal handed to the next (data: {from[], to}). */
  'handoff',
]);

export const didChange = defineNotification({
  name: 'agentora/runs/didChange',
  description: 'Live progress of a team run: status, plan, subgoal states, tokens, tool calls, approvals waited on, handoffs, budget use.',
  payload: z.object({
    run_id: z.string(),
    /** The event's number (increasing; the SSE event id): a watcher that already has it can skip it. */
    seq: z.number().int().optional(),
    kind: RunEventKind,
    status: z.string().optional(),
    subgoal_id: z.string().nullable().optional(),
    agent_name: z.string().nullable().optional(),
    delta: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type RunEvent = z.infer<typeof didChange.payload>;

export const runsNotifications = [didChange] as const;
