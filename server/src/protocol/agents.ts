// Agents area contract (product area 3): an agent is a model + role + system prompt + allowed tools + memory mode
// + a capability profile the planner assigns by. REST keeps the earlier product's shapes (`tools_json`, bare
// arrays) through each route's `wire`; JSON-RPC / MCP see the plain result.
import { z } from 'zod';
import { defineMethod, pagination, wire, zInt, zNum } from './define';
import { ToolName } from './actions';

/** Tools an agent may be given: the safe-actions catalogue plus the memory tools (served by the memory engine). */
export const MEMORY_TOOLS = ['memory_search', 'memory_propose'] as const;
export const AgentTool = z.union([ToolName, z.enum(MEMORY_TOOLS)]);
export type AgentTool = z.infer<typeof AgentTool>;

export const MemoryMode = z.enum(['none', 'read', 'read_write']);

export const Capabilities = z.object({
  /** Tool calls (think → call → observe turns) this agent may make per subgoal. */
  max_tool_steps: z.number().int().min(1).max(50).default(4),
  can_critique: z.boolean().default(false),
  can_verify: z.boolean().default(false),
  can_delegate: z.boolean().default(false),
  can_use_workers: z.boolean().default(false),
  /** How much this agent's verdict counts in a critique / debate (0..1). */
  confidence_weight: z.number().min(0).max(1).default(0.5),
});
export type Capabilities = z.infer<typeof Capabilities>;
export const CapabilitiesPatch = z.object({
  max_tool_steps: zInt.pipe(z.number().int().min(1).max(50)).optional(),
  can_critique: z.boolean().optional(),
  can_verify: z.boolean().optional(),
  can_delegate: z.boolean().optional(),
  can_use_workers: z.boolean().optional(),
  confidence_weight: zNum.pipe(z.number().min(0).max(1)).optional(),
});

export const Agent = z.object({
  id: z.number().int(),
  name: z.string(),
  /** The model this agent runs on (null: the configured default chat model). Honoured by every call it makes. */
  model: z.string().nullable(),
  role: z.string(),
  system_prompt: z.string(),
  tools: z.array(AgentTool),
  memory_mode: MemoryMode,
  capabilities: Capabilities,
  /** The run this agent was cloned for (clone-agent), else null. */
  run_id: z.string().nullable(),
  cloned_from: z.number().int().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Agent = z.infer<typeof Agent>;

export const AgentInput = z.object({
  name: z.string().trim().min(1).max(120),
  model: z.string().trim().min(1).max(200).nullable().optional(),
  role: z.string().trim().min(1).max(80).default('generalist'),
  system_prompt: z.string().max(20000).default(''),
  tools: z.array(AgentTool).max(32).default([]),
  memory_mode: MemoryMode.default('read'),
  capabilities: CapabilitiesPatch.optional(),
});

/** The earlier product's agent shape: tools as a JSON string. */
export const AgentWire = z.looseObject({ id: z.number(), name: z.string(), model: z.string().nullable(), role: z.string(), system_prompt: z.string(), tools_json: z.string(), memory_mode: z.string() });
export const agentToWire = (a: Agent) => ({ ...a, tools_json: JSON.stringify(a.tools) });

/** Legacy bodies send `tools_json` (a JSON string) instead of `tools`. */
function agentFromWire(input: Record<string, unknown>): Record<string, unknown> {
  if (input.tools === undefined && typeof input.tools_json === 'string') {
    try {
      return { ...input, tools: JSON.parse(input.tools_json) };
    } catch {
      return { ...input, tools: input.tools_json }; // let validation name the field
    }
  }
  return input;
}

export const listAgents = defineMethod({
  method: 'agentora/agents/list',
  description: 'Agents, oldest first (agents cloned for a run are listed only with include_run_clones).',
  params: z.object({ ...pagination(200, 1000), include_run_clones: z.preprocess((v) => v === 'true' || v === true, z.boolean()).default(false) }).default({ limit: 200, offset: 0, include_run_clones: false }),
  result: z.object({ items: z.array(Agent), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/agents', wire: wire(z.object({ items: z.array(Agent), total: z.number() }), { schema: z.array(AgentWire), toWire: (r) => r.items.map(agentToWire), headers: (r) => ({ 'X-Total-Count': String(r.total) }) }) },
  scope: 'agent',
  readOnly: true,
});

export const createAgent = defineMethod({
  method: 'agentora/agents/create',
  description: 'Create an agent.',
  params: AgentInput,
  result: Agent,
  rest: { verb: 'POST', path: '/api/agents', wire: wire(Agent, { schema: AgentWire, toWire: agentToWire, fromWire: agentFromWire }) },
});

export const getAgent = defineMethod({
  method: 'agentora/agents/get',
  description: 'One agent.',
  params: z.object({ id: zInt }),
  result: Agent,
  rest: { verb: 'GET', path: '/api/agents/:id', wire: wire(Agent, { schema: AgentWire, toWire: agentToWire }) },
  scope: 'agent',
  readOnly: true,
});

export const updateAgent = defineMethod({
  method: 'agentora/agents/update',
  description: 'Change an agent (only the fields given).',
  params: AgentInput.partial().extend({ id: zInt }),
  result: Agent,
  rest: { verb: 'PATCH', path: '/api/agents/:id', wire: wire(Agent, { schema: AgentWire, toWire: agentToWire, fromWire: agentFromWire }) },
});

export const CapabilityItem = Capabilities.extend({ agent_id: z.number().int(), name: z.string(), role: z.string(), tools: z.array(AgentTool) });

export const listCapabilities = defineMethod({
  method: 'agentora/agents/capabilities',
  description: 'The capability profile of every agent (what the planner assigns by).',
  params: z.object({}).default({}),
  result: z.object({ ok: z.literal(true), items: z.array(CapabilityItem) }),
  rest: { verb: 'GET', path: '/api/agents/capabilities', wire: { schema: z.looseObject({ ok: z.boolean(), items: z.array(z.looseObject({ agent_id: z.number() })) }) } },
  scope: 'agent',
  readOnly: true,
});

export const setCapabilities = defineMethod({
  method: 'agentora/agents/setCapabilities',
  description: "Change an agent's capability profile (only the fields given).",
  params: CapabilitiesPatch.extend({ id: zInt }),
  result: z.object({ ok: z.literal(true), item: CapabilityItem }),
  rest: { verb: 'POST', path: '/api/agents/:id/capabilities', wire: { schema: z.looseObject({ ok: z.boolean(), item: z.looseObject({ agent_id: z.number() }) }) } },
});

export const agentsMethods = [listAgents, createAgent, listCapabilities, getAgent, updateAgent, setCapabilities] as const;
