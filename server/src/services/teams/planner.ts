// The planner: asks the team's planning agent for a plan as structured output (Ollama `format` = the JSON
// schema of PlanDraft), validates it with zod and the dependency checks, retries once with the validation
// error, and otherwise gives up with stop_reason `invalid_plan` and the raw answer kept.
import { z } from 'zod';
import type { Agent } from '../../protocol/agents';
import { MODE_BEHAVIOUR, PlanDraft, type Subgoal, type Team, type TeamMode } from '../../protocol/teams';
import type { ChatMessage, ModelCallRoute, ModelProvider } from '../../bridges/models';
import { assign, graphProblems, topoOrder } from './assign';

export const PLAN_JSON_SCHEMA = z.toJSONSchema(PlanDraft, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;

export interface PlanOutcome {
  ok: boolean;
  plan: {
    mode: TeamMode;
    rationale: string;
    order: string[];
    attempts: number;
    prompt_tokens: number;
    eval_tokens: number;
    model: string | null;
  } | null;
  subgoals: Subgoal[];
  stop_reason?: 'invalid_plan';
  error?: string;
  raw_output?: string;
}

/** The member that plans: role planner, else one that can delegate, else the first. */
export function plannerOf(members: readonly Agent[]): Agent {
  return members.find((a) => a.role === 'planner') ?? members.find((a) => a.capabilities.can_delegate) ?? members[0]!;
}

export function validateDraft(raw: string): { ok: true; draft: PlanDraft } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    return { ok: false, error: `not JSON (${(e as Error).message})` };
  }
  const p = PlanDraft.safeParse(json);
  if (!p.success)
    return {
      ok: false,
      error: p.error.issues
        .slice(0, 6)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    };
  const g = graphProblems(p.data);
  return g.length ? { ok: false, error: g.join('; ') } : { ok: true, draft: p.data };
}

function messagesFor(team: Pick<Team, 'members'>, prompt: string, mode: TeamMode, planner: Agent): ChatMessage[] {
  const roster = team.members
    .map(
      ({ agent: a }) =>
        `- ${a.name} (role: ${a.role}; tools: ${a.tools.join(', ') || 'none'}; ${a.capabilities.can_critique ? 'can critique; ' : ''}${a.capabilities.can_verify ? 'can verify; ' : ''}max steps ${a.capabilities.max_tool_steps})`,
    )
    .join('\n');
  return [
    {
      role: 'system',
      content: `${planner.system_prompt}\nYou plan work for a team. Answer only with JSON matching the given schema.\nTeam roles: ${team.members.map((m) => m.agent.role).join(', ')}\nMembers:\n${roster}\nMode: ${mode} — ${MODE_BEHAVIOUR[mode].summary}\nRules: 1–8 subgoals; ids like s1, s2; depends_on lists ids of earlier subgoals whose output is needed; role is the member role that should do it; step_cap is the tool steps it needs (1–10).`,
    },
    { role: 'user', content: `Goal: ${prompt}` },
  ];
}

export async function makePlan(
  models: ModelProvider,
  team: Pick<Team, 'members'>,
  prompt: string,
  mode: TeamMode,
  signal?: AbortSignal,
  route: ModelCallRoute = { kind: 'team_step' },
): Promise<PlanOutcome> {
  const members = team.members.map((m) => m.agent);
  if (!MODE_BEHAVIOUR[mode].plans) {
    // single_agent: no planning call — the first member works the whole goal.
    const draft: PlanDraft = {
      rationale: 'single_agent mode: one agent works the whole goal.',
      subgoals: [
        {
          id: 's1',
          title: prompt.slice(0, 200),
          description: prompt.slice(0, 2000),
          depends_on: [],
          role: members[0]!.role,
          deliverable: 'report',
          step_cap: members[0]!.capabilities.max_tool_steps,
        },
      ],
    };
    return {
      ok: true,
      plan: { mode, rationale: draft.rationale, order: ['s1'], attempts: 0, prompt_tokens: 0, eval_tokens: 0, model: null },
      subgoals: assign(draft, [members[0]!]),
    };
  }
  const planner = plannerOf(members);
  const messages = messagesFor(team, prompt, mode, planner);
  let raw = '';
  let error = '';
  let promptTokens = 0;
  let evalTokens = 0;
  for (let attempt = 1; attempt <= 2; attempt++) {
    raw = '';
    for await (const c of models.chat({
      model: planner.model ?? undefined,
      messages,
      format: PLAN_JSON_SCHEMA,
      options: { temperature: 0 },
      signal,
      route,
    })) {
      raw += c.content;
      if (c.done) {
        promptTokens += c.promptEvalCount ?? 0;
        evalTokens += c.evalCount ?? 0;
      }
    }
    const v = validateDraft(raw);
    if (v.ok) {
      const subgoals = assign(v.draft, members);
      return {
        ok: true,
        plan: {
          mode,
          rationale: v.draft.rationale,
          order: topoOrder(v.draft.subgoals)!,
          attempts: attempt,
          prompt_tokens: promptTokens,
          eval_tokens: evalTokens,
          model: planner.model ?? models.defaultChatModel,
        },
        subgoals,
      };
    }
    error = v.error;
    messages.push(
      { role: 'assistant', content: raw },
      { role: 'user', content: `That plan is invalid: ${error}. Answer again with JSON that matches the schema.` },
    );
  }
  return {
    ok: false,
    plan: null,
    subgoals: [],
    stop_reason: 'invalid_plan',
    error: `The planner's answer was invalid twice: ${error}`,
    raw_output: raw,
  };
}

/** A mode suggestion from the shape of the prompt and the team (cheap, explainable; the plan itself is the model's). */
export function recommendMode(prompt: string, team?: Team | null): { mode: TeamMode; reason: string } {
  const members = team?.members.length ?? 3;
  const p = prompt.toLowerCase();
  if (members === 1) return { mode: 'single_agent', reason: 'The team has one member.' };
  if (/\b(compare|versus|vs\.?|pros and cons|debate|which is better|trade-?offs?)\b/.test(p))
    return { mode: 'debate', reason: 'The prompt weighs alternatives; independent answers and a judge suit it.' };
  if (/\b(fix|bug|refactor|write|change|edit|deploy|delete|migrat|review|security)\w*/.test(p))
    return { mode: 'careful', reason: 'The prompt changes or judges something; a critic should check each deliverable.' };
  if (prompt.length < 80 && !/\band\b|,/.test(p))
    return { mode: members > 1 ? 'fast' : 'single_agent', reason: 'A short single-part request; planning overhead should stay small.' };
  return { mode: 'fast', reason: 'Several independent parts; they can run side by side.' };
}
