// Types and the small pure helpers of the Workflows panel. Wire types come from the protocol (typed calls).
import type { M, Result } from '../../client/types';

export type Workflow = Result<typeof M.workflows.list>['items'][number];
export type Step = Result<typeof M.workflows.get>['steps'][number];
export type Run = Result<typeof M.operator.getRun>['run'];
export type RunDetail = Result<typeof M.operator.getRun>;
export type RunStep = RunDetail['steps'][number];
export type Compare = Result<typeof M.workflows.compare>;

export const STEP_TYPES = ['model_call', 'action', 'tool', 'team_run', 'approval_gate', 'handoff'] as const;
export type StepType = (typeof STEP_TYPES)[number];
export const STEP_LABEL: Record<StepType, string> = {
  model_call: 'Model call',
  action: 'Action',
  tool: 'Tool',
  team_run: 'Team run',
  approval_gate: 'Approval gate',
  handoff: 'Handoff',
};

/** The form fields of each step type (params keys), so the common cases need no JSON. */
export const TYPE_FIELDS: Record<StepType, Array<{ key: string; label: string; long?: boolean }>> = {
  model_call: [{ key: 'prompt', label: 'Prompt', long: true }],
  action: [],
  tool: [],
  team_run: [
    { key: 'team_id', label: 'Team id' },
    { key: 'prompt', label: 'Goal', long: true },
  ],
  approval_gate: [{ key: 'message', label: 'Message to the operator', long: true }],
  handoff: [
    { key: 'agent_id', label: 'Agent id' },
    { key: 'message', label: 'Message', long: true },
  ],
};

export const ACTION_TOOLS: Record<string, Array<{ key: string; label: string; long?: boolean }>> = {
  desktop_write_text: [
    { key: 'path', label: 'Path' },
    { key: 'content', label: 'Content', long: true },
  ],
  desktop_read_text: [{ key: 'path', label: 'Path' }],
  desktop_list_dir: [{ key: 'path', label: 'Path' }],
  desktop_shell: [{ key: 'command', label: 'Command' }],
  browser_page_summary: [{ key: 'url', label: 'URL' }],
  browser_extract_text: [{ key: 'url', label: 'URL' }],
};
export const WORKFLOW_TOOLS: Record<string, Array<{ key: string; label: string; long?: boolean }>> = {
  memory_search: [{ key: 'query', label: 'Query' }],
  memory_propose: [{ key: 'text', label: 'Memory text', long: true }],
  http_fetch: [{ key: 'url', label: 'URL' }],
};

export function fieldsOf(s: { step_type: StepType; tool_name?: string | null }) {
  if (s.step_type === 'action') return ACTION_TOOLS[s.tool_name ?? ''] ?? [];
  if (s.step_type === 'tool') return WORKFLOW_TOOLS[s.tool_name ?? ''] ?? [];
  return TYPE_FIELDS[s.step_type];
}

/** Editable step (the form's model). */
export interface DraftStep {
  name: string;
  step_type: StepType;
  tool_name: string | null;
  params: Record<string, unknown>;
  requires_approval: boolean;
  timeout_seconds: number;
  max_retries: number;
  backoff_seconds: number;
  on_failure: 'stop' | 'continue' | 'skip';
}
export interface DraftInput {
  name: string;
  type: 'string' | 'number' | 'integer' | 'boolean';
  required: boolean;
}

export const newStep = (n: number): DraftStep => ({
  name: `step_${n}`,
  step_type: 'model_call',
  tool_name: null,
  params: { prompt: '' },
  requires_approval: false,
  timeout_seconds: 300,
  max_retries: 0,
  backoff_seconds: 1,
  on_failure: 'stop',
});

export function schemaOf(inputs: DraftInput[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: Object.fromEntries(inputs.filter((i) => i.name).map((i) => [i.name, { type: i.type }])),
    required: inputs.filter((i) => i.name && i.required).map((i) => i.name),
  };
}

export function inputsOf(schema: Record<string, unknown>): DraftInput[] {
  const props = (schema.properties ?? {}) as Record<string, { type?: string }>;
  const req = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    type: (['string', 'number', 'integer', 'boolean'].includes(p.type ?? '') ? p.type : 'string') as DraftInput['type'],
    required: req.has(name),
  }));
}

export const show = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v, null, 2));

export const STATUS_ICON: Record<string, string> = {
  pending: 'circle-large-outline',
  running: 'loading',
  waiting_approval: 'bell',
  retry_wait: 'history',
  done: 'pass',
  failed: 'error',
  skipped: 'debug-step-over',
  reused: 'references',
  queued: 'clock',
  paused: 'debug-pause',
  completed: 'pass-filled',
  cancelled: 'circle-slash',
};
