// Workflow YAML: export is generated from the stored definition; import parses with the `yaml` library and
// then goes through the same checks as create (zod body, then the definition checks naming step and field).
import { parse, stringify } from 'yaml';
import { AppError } from '../../protocol/errors';
import type { Definition } from './store';

export function toYaml(d: Definition): string {
  return stringify({
    name: d.workflow.name,
    description: d.workflow.description,
    params_schema: d.workflow.params_schema,
    steps: d.steps.map((s) => ({
      name: s.name,
      step_type: s.step_type,
      ...(s.tool_name ? { tool_name: s.tool_name } : {}),
      params: s.params,
      requires_approval: s.requires_approval,
      timeout_seconds: s.timeout_seconds,
      max_retries: s.max_retries,
      backoff_seconds: s.backoff_seconds,
      on_failure: s.on_failure,
    })),
  });
}

export function fromYaml(text: string): unknown {
  try {
    return parse(text);
  } catch (err) {
    throw new AppError('bad_request', `Invalid params: yaml_text: ${(err as Error).message}`, [
      { path: 'yaml_text', message: (err as Error).message },
    ]);
  }
}
