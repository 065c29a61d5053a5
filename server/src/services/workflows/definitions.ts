// Checking a definition before it is stored: the inputs schema compiles (zod's JSON-schema reader), each step
// has what its type needs, names are unique, and every template refers to an input the schema declares or to an
// EARLIER step's output (a later or missing step — the only way to make a cycle in an ordered list — is refused).
// Every refusal is a 400 naming the step and the field (`steps.2.params.prompt`).
import { z } from 'zod';
import { AppError, type FieldIssue } from '../../protocol/errors';
import { ToolName } from '../../protocol/actions';
import { WorkflowTool, type StepSpec } from '../../protocol/workflows';
import { referencesIn } from './templates';

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** The zod schema of a workflow's inputs, from its JSON schema. Throws a 400 naming `params_schema` when it cannot be read. */
export function inputsValidator(schema: Record<string, unknown>): z.ZodType {
  try {
    return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (err) {
    throw new AppError('bad_request', `Invalid params: params_schema: ${(err as Error).message}`, [
      { path: 'params_schema', message: (err as Error).message },
    ]);
  }
}

/** Validate run inputs against the definition's schema: 400 naming `inputs.<field>`. */
export function checkInputs(schema: Record<string, unknown>, inputs: Record<string, unknown>): Record<string, unknown> {
  const r = inputsValidator(schema).safeParse(inputs);
  if (r.success) return (r.data ?? inputs) as Record<string, unknown>;
  const issues: FieldIssue[] = r.error.issues.map((i) => ({ path: ['inputs', ...i.path.map(String)].join('.'), message: i.message }));
  throw new AppError('bad_request', `Invalid params: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

const need = (p: Record<string, unknown>, key: string) => p[key] === undefined || p[key] === null || p[key] === '';

/** Each step type's required params. Returns [field, message] pairs. */
function typeIssues(s: StepSpec): Array<[string, string]> {
  const p = s.params;
  const out: Array<[string, string]> = [];
  switch (s.step_type) {
    case 'model_call':
      if (need(p, 'prompt') || typeof p.prompt !== 'string') out.push(['params.prompt', 'a model_call needs a prompt (text)']);
      break;
    case 'action':
      if (!s.tool_name || !ToolName.safeParse(s.tool_name).success || s.tool_name === 'workflow_gate')
        out.push(['tool_name', `an action step needs a safe-actions tool (${ToolName.options.filter((t) => t !== 'workflow_gate').join(', ')})`]);
      break;
    case 'tool':
      if (!s.tool_name || !WorkflowTool.safeParse(s.tool_name).success)
        out.push(['tool_name', `a tool step needs one of ${WorkflowTool.options.join(', ')}`]);
      else if (s.tool_name === 'memory_search' && need(p, 'query')) out.push(['params.query', 'memory_search needs a query']);
      else if (s.tool_name === 'memory_propose' && need(p, 'text')) out.push(['params.text', 'memory_propose needs the text of the memory']);
      else if (s.tool_name === 'http_fetch' && need(p, 'url')) out.push(['params.url', 'http_fetch needs a url']);
      break;
    case 'team_run':
      if (need(p, 'team_id')) out.push(['params.team_id', 'a team_run step needs a team_id']);
      if (need(p, 'prompt')) out.push(['params.prompt', 'a team_run step needs a prompt']);
      break;
    case 'handoff':
      if (need(p, 'agent_id')) out.push(['params.agent_id', 'a handoff needs the agent_id it hands over to']);
      if (need(p, 'message')) out.push(['params.message', 'a handoff needs a message']);
      break;
    case 'approval_gate':
      break;
  }
  return out;
}

/** Names default to `step_<position>`. */
export const stepName = (s: StepSpec, position: number) => s.name ?? `step_${position}`;

/** Refuse a definition that cannot run. `steps` are in order (position = index + 1). */
export function checkDefinition(paramsSchema: Record<string, unknown>, steps: readonly StepSpec[], prefix = 'steps'): void {
  inputsValidator(paramsSchema);
  const inputNames = new Set(Object.keys((paramsSchema.properties as Record<string, unknown>) ?? {}));
  const issues: FieldIssue[] = [];
  const seen = new Map<string, number>();
  steps.forEach((s, i) => {
    const pos = i + 1;
    const at = `${prefix}.${i}`;
    const name = stepName(s, pos);
    const label = `step ${pos} '${name}'`;
    if (!NAME.test(name)) issues.push({ path: `${at}.name`, message: `${label}: a name starts with a letter and has only letters, digits, _ and -` });
    if (/^\d+$/.test(name)) issues.push({ path: `${at}.name`, message: `${label}: a name cannot be a number` });
    if (seen.has(name)) issues.push({ path: `${at}.name`, message: `${label}: the name is already used by step ${seen.get(name)}` });
    seen.set(name, pos);
    for (const [field, message] of typeIssues(s)) issues.push({ path: `${at}.${field}`, message: `${label}: ${message}` });
    for (const { field, ref } of referencesIn(s.params)) {
      const path = `${at}.params.${field}`;
      if (ref.root === 'unknown') {
        issues.push({ path, message: `${label}: {{${ref.expr}}} is not a template (use inputs.<name> or steps.<name>.output)` });
      } else if (ref.root === 'inputs') {
        if (!inputNames.has(ref.key)) issues.push({ path, message: `${label}: {{${ref.expr}}} names an input the params_schema does not declare` });
      } else {
        const target = /^\d+$/.test(ref.key) ? Number(ref.key) : seen.get(ref.key);
        const later = steps.findIndex((o, j) => stepName(o, j + 1) === ref.key) + 1;
        if (!ref.hasOutput) issues.push({ path, message: `${label}: {{${ref.expr}}} must read a step's output (steps.${ref.key}.output)` });
        else if (target === undefined || target < 1 || target >= pos) {
          const why =
            target === pos || later === pos
              ? 'refers to its own output'
              : later > pos || (target !== undefined && target > pos && target <= steps.length)
                ? 'refers to a later step (steps may only read earlier outputs)'
                : 'refers to a step that does not exist';
          issues.push({ path, message: `${label}: {{${ref.expr}}} ${why}` });
        }
      }
    }
  });
  if (issues.length) throw new AppError('bad_request', `Invalid params: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}
