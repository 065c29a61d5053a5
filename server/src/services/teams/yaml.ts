// Team YAML: import validates with zod and names the line and the field of the first problems; export is
// generated from the team and its agents (so importing an export recreates the same team).
import { isMap, isScalar, LineCounter, parseDocument, stringify, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { AgentTool, CapabilitiesPatch, MemoryMode } from '../../protocol/agents';
import { AppError, type FieldIssue } from '../../protocol/errors';
import { TeamMode } from '../../protocol/teams';
import type { TeamCore } from './store';

export const TeamDocAgent = z.strictObject({
  name: z.string().trim().min(1).max(120),
  role: z.string().trim().min(1).max(80).default('generalist'),
  model: z.string().trim().min(1).max(200).nullable().optional(),
  system_prompt: z.string().max(20000).default(''),
  tools: z.array(AgentTool).max(32).default([]),
  memory_mode: MemoryMode.default('read'),
  capabilities: CapabilitiesPatch.strict().default({}),
});
export const TeamDoc = z.strictObject({
  name: z.string().trim().min(1).max(120),
  description: z.string().max(2000).default(''),
  mode: TeamMode.default('careful'),
  agents: z.array(TeamDocAgent).min(1).max(12),
});
export type TeamDoc = z.infer<typeof TeamDoc>;

/** The node at `path`, or the nearest ancestor that exists (a missing field points at its parent). */
function nodeAt(doc: Document, path: (string | number)[], key?: string): Node | null {
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as Node | null;
    if (!node) continue;
    if (key && n === path.length && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (pair && pair.key) return pair.key as Node;
    }
    return node;
  }
  return null;
}

export function parseTeamYaml(text: string): TeamDoc {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? 1;
    throw new AppError('bad_request', `Invalid YAML at line ${line}: ${e.message.split('\n')[0]}`, [{ path: 'yaml_text', message: `line ${line}: ${e.message.split('\n')[0]}` }]);
  }
  const parsed = TeamDoc.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;
  const issues: FieldIssue[] = parsed.error.issues.slice(0, 5).map((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? p : String(p)));
    const key = i.code === 'unrecognized_keys' ? i.keys[0] : undefined;
    const field = [...path, ...(key ? [key] : [])].join('.') || '(document)';
    const node = nodeAt(doc, path, key);
    const line = node?.range ? lines.linePos(node.range[0]).line : 1;
    return { path: `yaml_text:${field}`, message: `line ${line}: ${field}: ${i.message}` };
  });
  throw new AppError('bad_request', `Invalid team YAML: ${issues.map((i) => i.message).join('; ')}`, issues);
}

/** The team as a document (defaults written out, so the file says what the team does). */
export function teamToDoc(t: Pick<TeamCore, 'name' | 'description' | 'mode' | 'members'>): TeamDoc {
  return {
    name: t.name,
    description: t.description,
    mode: t.mode,
    agents: t.members.map(({ agent: a }) => ({
      name: a.name, role: a.role, ...(a.model ? { model: a.model } : {}), system_prompt: a.system_prompt, tools: a.tools, memory_mode: a.memory_mode,
      capabilities: { ...a.capabilities },
    })),
  };
}

export function docToYaml(d: TeamDoc): string {
  return stringify(d, { lineWidth: 100 });
}
