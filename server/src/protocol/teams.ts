// Teams area contract: a team is an ordered set of agents (members with positions) and a mode that fixes how a
// run proceeds. Templates ship with the extension; YAML import / export uses the `yaml` library.
import { z } from 'zod';
import { defineMethod, wire, zInt } from './define';
import { Agent, AgentTool, CapabilitiesPatch, MemoryMode } from './agents';

/**
 * fast: plan once, run independent subgoals concurrently, no critique.
 * careful: plan, run in dependency order, a critic / verifier reviews each deliverable and may send it back once.
 * debate: two members answer the same subgoal independently, a judge weighs them (confidence weights).
 * single_agent: no plan; the first member does the whole goal in one loop.
 */
export const TeamMode = z.enum(['fast', 'careful', 'debate', 'single_agent']);
export type TeamMode = z.infer<typeof TeamMode>;

export const MODE_BEHAVIOUR: Record<TeamMode, { summary: string; plans: boolean; critique: boolean; debate: boolean; concurrency: number }> = {
  fast: { summary: 'Plan once, run independent subgoals side by side (up to 3 at once), no critique.', plans: true, critique: false, debate: false, concurrency: 3 },
  careful: { summary: 'Plan, run subgoals in dependency order, a critic reviews each deliverable and may send it back once.', plans: true, critique: true, debate: false, concurrency: 1 },
  debate: { summary: 'Two members answer each subgoal independently; a judge weighs the answers by confidence weight.', plans: true, critique: false, debate: true, concurrency: 1 },
  single_agent: { summary: 'No plan: the first member works the whole goal in one loop.', plans: false, critique: false, debate: false, concurrency: 1 },
};

export const TeamMember = z.object({
  agent_id: z.number().int(),
  position: z.number().int(),
  agent: Agent,
});

export const Team = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string(),
  mode: TeamMode,
  /** Generated from the team (never stored text echoed back). */
  yaml_text: z.string(),
  version: z.number().int(),
  template: z.string().nullable(),
  members: z.array(TeamMember),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Team = z.infer<typeof Team>;

const TeamWire = z.looseObject({ id: z.number(), name: z.string(), description: z.string(), mode: z.string(), yaml_text: z.string(), version: z.number() });

export const listTeams = defineMethod({
  method: 'agentora/teams/list',
  description: 'Teams, oldest first, with their members.',
  params: z.object({}).default({}),
  result: z.object({ items: z.array(Team) }),
  rest: { verb: 'GET', path: '/api/teams', wire: wire(z.object({ items: z.array(Team) }), { schema: z.array(TeamWire), toWire: (r) => r.items, headers: (r) => ({ 'X-Total-Count': String(r.items.length) }) }) },
  scope: 'agent',
  readOnly: true,
});

export const createTeam = defineMethod({
  method: 'agentora/teams/create',
  description: 'Create a team from existing agents (agent_ids in member order), or from yaml_text (which creates its agents).',
  params: z.object({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().max(2000).default(''),
    mode: TeamMode.default('careful'),
    agent_ids: z.array(zInt).max(12).default([]),
    yaml_text: z.string().max(200_000).optional(),
  }),
  result: Team,
  rest: { verb: 'POST', path: '/api/teams', wire: { schema: TeamWire } },
});

export const getTeam = defineMethod({
  method: 'agentora/teams/get',
  description: 'One team with its members.',
  params: z.object({ id: zInt }),
  result: Team,
  rest: { verb: 'GET', path: '/api/teams/:id', wire: { schema: TeamWire } },
  scope: 'agent',
  readOnly: true,
});

export const TemplateAgent = z.object({
  name: z.string(),
  role: z.string(),
  model: z.string().nullable().optional(),
  system_prompt: z.string(),
  tools: z.array(AgentTool),
  memory_mode: MemoryMode,
  capabilities: CapabilitiesPatch,
});
export const Template = z.object({ key: z.string(), name: z.string(), description: z.string(), mode: TeamMode, agents: z.array(TemplateAgent), yaml_text: z.string() });

export const listTemplates = defineMethod({
  method: 'agentora/teams/templates',
  description: 'Team templates shipped with Agentora (code review, bug fix, research + summary, plan-execute-critique).',
  params: z.object({}).default({}),
  result: z.object({ templates: z.array(Template) }),
  rest: { verb: 'GET', path: '/api/teams/templates', wire: { schema: z.looseObject({ templates: z.array(z.looseObject({ key: z.string(), name: z.string() })) }) } },
  scope: 'agent',
  readOnly: true,
});

export const fromTemplate = defineMethod({
  method: 'agentora/teams/fromTemplate',
  description: "Create a team (and its agents) from a shipped template; `name` overrides the template's.",
  params: z.object({ key: z.string().min(1).max(80), name: z.string().trim().min(1).max(120).optional() }),
  result: Team,
  rest: { verb: 'POST', path: '/api/teams/templates/:key', wire: { schema: TeamWire } },
});

export const importYaml = defineMethod({
  method: 'agentora/teams/importYaml',
  description: 'Create a team and its agents from YAML. A bad document is a 400 naming the line and the field.',
  params: z.object({ yaml_text: z.string().min(1).max(200_000) }),
  result: z.object({ ok: z.literal(true), team: Team }),
  rest: { verb: 'POST', path: '/api/teams/import-yaml', wire: { schema: z.looseObject({ ok: z.boolean(), team: TeamWire }) } },
});

export const exportYaml = defineMethod({
  method: 'agentora/teams/exportYaml',
  description: 'The YAML of a team, generated from the team and its agents (import of it recreates the team).',
  params: z.object({ team_id: zInt }),
  result: z.object({ yaml_text: z.string() }),
  rest: { verb: 'POST', path: '/api/teams/export-yaml', wire: { schema: z.looseObject({ yaml_text: z.string() }) } },
  scope: 'agent',
  readOnly: true,
});

export const teamsMethods = [listTeams, createTeam, listTemplates, getTeam, fromTemplate, importYaml, exportYaml] as const;

// ---- planning (preview without running) ----

export const Deliverable = z.enum(['text', 'list', 'code', 'file', 'review', 'report']);

/** What the planner model must answer (sent to Ollama as `format`, validated here). */
export const PlanSubgoalDraft = z.object({
  id: z.string().regex(/^[a-z0-9_-]{1,24}$/, 'a short id like s1'),
  title: z.string().min(1).max(200),
  description: z.string().max(2000),
  depends_on: z.array(z.string()).max(8).default([]),
  role: z.string().min(1).max(80),
  deliverable: Deliverable,
  step_cap: z.number().int().min(1).max(10),
});
export const PlanDraft = z
  .object({ rationale: z.string().max(2000), subgoals: z.array(PlanSubgoalDraft).min(1).max(8) })
  .meta({ title: 'agentora.plan' });
export type PlanDraft = z.infer<typeof PlanDraft>;

export const Subgoal = PlanSubgoalDraft.extend({
  agent_id: z.number().int(),
  agent_name: z.string(),
  /** Why this agent: role and capability match, in words. */
  assignment_reason: z.string(),
});
export type Subgoal = z.infer<typeof Subgoal>;

export const Plan = z.object({
  mode: TeamMode,
  rationale: z.string(),
  /** Subgoal ids in an order that respects dependencies. */
  order: z.array(z.string()),
  attempts: z.number().int(),
  prompt_tokens: z.number().int(),
  eval_tokens: z.number().int(),
  model: z.string().nullable(),
});

export const PlanResult = z.object({
  ok: z.boolean(),
  plan: Plan.nullable(),
  subgoals: z.array(Subgoal),
  stop_reason: z.literal('invalid_plan').optional(),
  error: z.string().optional(),
  /** The model's last answer, kept when it could not be used. */
  raw_output: z.string().optional(),
});

export const planPreview = defineMethod({
  method: 'agentora/team/plan',
  description: "Ask the team's planner model for a plan (structured output, validated; one retry with the error) without running it.",
  params: z.object({ team_id: zInt, prompt: z.string().trim().min(1).max(20000), mode: TeamMode.optional(), run_id: z.string().max(80).optional() }),
  result: PlanResult,
  rest: { verb: 'POST', path: '/api/team/plan', wire: { schema: z.looseObject({ ok: z.boolean(), plan: z.unknown(), subgoals: z.array(z.unknown()) }) } },
});

export const modePreview = defineMethod({
  method: 'agentora/team/previewMode',
  description: 'Which mode suits a prompt (and, with team_id, the team), and why; what the chosen mode does.',
  params: z.object({ prompt: z.string().trim().min(1).max(20000), mode: TeamMode.optional(), team_id: zInt.optional() }),
  result: z.object({ ok: z.literal(true), recommended_mode: TeamMode, reason: z.string(), mode: TeamMode, behaviour: z.string() }),
  rest: { verb: 'POST', path: '/api/team/modes/preview', wire: { schema: z.looseObject({ ok: z.boolean(), recommended_mode: z.string(), reason: z.string() }) } },
  readOnly: true,
});

export const planMethods = [planPreview, modePreview] as const;
