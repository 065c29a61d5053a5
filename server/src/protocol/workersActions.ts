// Action jobs on workers (issue 15): an action approved through the safe-actions queue with `requested_worker`
// runs on that worker only when the operator allows its tool class there (per worker token, off by default) and
// the worker's own policy (`--allow-actions`) accepts it too. An allow-list entry is a tool name
// (`desktop_list_dir`), a risk class (`read`, `write`, `execute`, `network`) or an action class (`desktop`,
// `browser`). The job starts under its lease (`…/start`) before any side effect: from then on a lease expiry never
// hands it to anyone else, and the worker's result (named by the job's idempotency key) is the one that counts.
import { z } from 'zod';
import { RiskClass, TOOLS, ToolName } from './actions';
import { defineMethod, zInt } from './define';
import { WorkerToken } from './workers';

export const ACTION_CLASSES = ['desktop', 'browser'] as const;
const ENTRIES: readonly string[] = [...ToolName.options.filter((t) => t !== 'workflow_gate'), ...RiskClass.options, ...ACTION_CLASSES];

/** Does this allow-list let the tool run? (entries: tool names, risk classes, action classes) */
export function toolAllowedBy(tool: string, entries: readonly string[]): boolean {
  const info = (TOOLS as Record<string, { risk: string; action_class: string } | undefined>)[tool];
  if (!info || tool === 'workflow_gate') return false;
  return entries.some((e) => e === tool || e === info.risk || e === info.action_class);
}

/** The tool names an allow-list lets through (for the claim query). */
export function allowedToolNames(entries: readonly string[]): string[] {
  return ToolName.options.filter((t) => toolAllowedBy(t, entries));
}

export const AllowEntry = z
  .string()
  .trim()
  .refine((s) => ENTRIES.includes(s), { message: `must be a tool name, a risk class (${RiskClass.options.join(', ')}) or desktop / browser` });
export const AllowList = z.array(AllowEntry).max(50);

const Id = zInt.pipe(z.number().int().min(1));

export const setAllowedActions = defineMethod({
  method: 'agentora/workers/setAllowedActions',
  description:
    'Set which action tools the worker of this token may run (tool names, risk classes read / write / execute / network, or desktop / browser). Empty (the default): no action runs there. The worker must also allow them itself (--allow-actions).',
  params: z.object({ id: Id, allowed_actions: AllowList }),
  result: WorkerToken,
  rest: { verb: 'PUT', path: '/api/workers/tokens/:id/actions' },
});

export const startJob = defineMethod({
  method: 'agentora/workers/startJob',
  description:
    'A worker says it starts the side effect of an action job under its lease. Refused (409) when the lease is gone; once accepted the job is never handed to anyone else, even if the lease expires.',
  params: z.object({ id: Id, lease_id: z.string().min(1) }),
  result: z.object({ accepted: z.boolean(), idempotency_key: z.string().nullable() }),
  rest: { verb: 'POST', path: '/api/workers/jobs/:id/start' },
  scope: 'worker',
});

export const workersActionsMethods = [setAllowedActions, startJob] as const;
