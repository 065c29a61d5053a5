// How one subgoal is worked, by team mode (MODE_BEHAVIOUR in protocol/teams.ts says it in words):
// - fast, single_agent: the assigned agent's loop; its answer is the deliverable.
// - careful: the agent's loop gives a draft; a member that can critique / verify (not the author) reviews it as
//   structured output {verdict, feedback}; `revise` sends it back once — the author revises with the feedback.
// - debate: the agent's loop gives an answer; a second member argues against it with its own answer; a judge
//   weighs both (by confidence weight) into the deliverable.
// Every intermediate result is a committed step (draft, critique, rebuttal), so a resumed run never repeats one.
import { z } from 'zod';
import type { Agent } from '../../protocol/agents';
import type { ChatMessage } from '../../bridges/models';
import { agentLoop, type CallOut, type RunEnv } from './agentLoop';
import { noProgress } from './progress';
import type { RunSubgoal, StepKind } from './runStore';

export const Critique = z.object({
  verdict: z.enum(['accept', 'revise']),
  feedback: z.string().max(4000),
});
export const CRITIQUE_SCHEMA = { title: 'agentora.critique', ...z.toJSONSchema(Critique, { target: 'draft-7' }) } as Record<string, unknown>;

/** A reviewer for a careful run: can critique or verify, not the author, the weightiest first. */
export function criticFor(members: readonly Agent[], author: Agent): Agent | null {
  const able = members.filter((a) => a.id !== author.id && (a.capabilities.can_critique || a.capabilities.can_verify));
  return able.sort((a, b) => b.capabilities.confidence_weight - a.capabilities.confidence_weight)[0] ?? null;
}

/** The other side of a debate: another member, workers before the planner. */
export function opponentFor(members: readonly Agent[], author: Agent): Agent | null {
  const others = members.filter((a) => a.id !== author.id);
  return others.find((a) => a.role !== 'planner') ?? others[0] ?? null;
}

/** The judge of a debate: the weightiest member that can critique / verify / delegate, else the weightiest. */
export function judgeFor(members: readonly Agent[]): Agent {
  const w = (a: Agent) =>
    a.capabilities.confidence_weight + (a.capabilities.can_critique || a.capabilities.can_verify || a.capabilities.can_delegate ? 1 : 0);
  return [...members].sort((a, b) => w(b) - w(a))[0]!;
}

export function subgoalMessages(env: RunEnv, agent: Agent, sg: RunSubgoal, all: readonly RunSubgoal[]): ChatMessage[] {
  const inputs = sg.depends_on.map((d) => all.find((s) => s.id === d)!).map((d) => `- ${d.id} "${d.title}" (by ${d.agent_name}):\n${d.output ?? ''}`);
  return [
    {
      role: 'system',
      content: `${agent.system_prompt}\nYou are ${agent.name}, the team's ${agent.role}. Work only on your subgoal and give its deliverable.${agent.tools.length ? ` You may call these tools: ${agent.tools.join(', ')} (at most ${sg.step_cap} tool steps). Side effects wait for the operator's approval; a denied action did not happen.` : ''}`,
    },
    {
      role: 'user',
      content: `Team goal: ${env.run().prompt}\nYour subgoal (${sg.id}): ${sg.title}\n${sg.description}\nDeliverable: ${sg.deliverable}${inputs.length ? `\nHanded over from earlier subgoals:\n${inputs.join('\n')}` : ''}`,
    },
  ];
}

/** Work one subgoal to done. false: the branch stopped (paused, cancelled, a budget) — the subgoal stays open. */
export async function workSubgoal(env: RunEnv, members: readonly Agent[], sg: RunSubgoal, all: readonly RunSubgoal[]): Promise<boolean> {
  const agent = members.find((a) => a.id === sg.agent_id) ?? members[0]!;
  if (!env.gate()) return false; // a subgoal starts only while the run may proceed
  env.rs.subgoalStarted(env.id, sg.id);
  env.emit({ kind: 'subgoal', subgoal_id: sg.id, agent_name: agent.name, data: { state: 'running' } });
  if (sg.depends_on.length) env.emit({ kind: 'handoff', subgoal_id: sg.id, agent_name: agent.name, data: { from: sg.depends_on, to: sg.id } });
  const base = subgoalMessages(env, agent, sg, all);
  const mode = env.run().mode;
  const stored = (kind: StepKind) => env.rs.steps(env.id).find((s) => s.subgoal_id === sg.id && s.kind === kind)?.output;
  const commit = (kind: StepKind, who: Agent, out: Pick<CallOut, 'text' | 'prompt' | 'evalc' | 'seconds'>, turn?: boolean) =>
    env.rs.completeStep(
      env.id,
      { kind, subgoal_id: sg.id, agent_id: who.id, output: out.text, prompt_tokens: out.prompt, eval_tokens: out.evalc, seconds: out.seconds, turn },
      null,
    );
  /** The loop's answer, or the stored one when this step was already done. */
  const draftStep = async (): Promise<string | null> => {
    const s = stored('draft');
    if (s !== undefined) return s;
    const out = await agentLoop(env, agent, sg, base);
    if (!out) return null;
    commit('draft', agent, out);
    return out.text;
  };

  let deliverable: { text: string; out: Pick<CallOut, 'prompt' | 'evalc' | 'seconds'>; turn: boolean; meta: Record<string, unknown> } | null = null;
  const critic = mode === 'careful' && sg.deliverable !== 'review' ? criticFor(members, agent) : null;
  const opponent = mode === 'debate' ? opponentFor(members, agent) : null;

  if (critic) {
    const draft = await draftStep();
    if (draft === null) return false;
    let verdict = stored('critique');
    if (verdict === undefined) {
      if (!env.gate()) return false;
      const out = await env.call(
        critic,
        [
          {
            role: 'system',
            content: `${critic.system_prompt}\nYou are ${critic.name}, reviewing a teammate's deliverable. Answer only with JSON: verdict "accept" when it does what the subgoal asks, "revise" with concrete feedback when it does not.`,
          },
          {
            role: 'user',
            content: `Team goal: ${env.run().prompt}\nSubgoal under review (${sg.id}): ${sg.title}\n${sg.description}\nDeliverable (${sg.deliverable}) by ${agent.name}:\n${draft}`,
          },
        ],
        { format: CRITIQUE_SCHEMA, subgoal: sg.id },
      );
      const parsed = (() => {
        try {
          return Critique.safeParse(JSON.parse(out.text));
        } catch {
          return null;
        }
      })();
      // An unreadable review does not block the work: it counts as accepted, and says so.
      const c = parsed?.success
        ? parsed.data
        : { verdict: 'accept' as const, feedback: `(the review was not valid JSON; accepted as is) ${out.text.slice(0, 300)}` };
      verdict = JSON.stringify({ ...c, critic: critic.name });
      commit('critique', critic, { ...out, text: verdict });
      env.emit({ kind: 'step', subgoal_id: sg.id, agent_name: critic.name, data: { kind: 'critique', verdict: c.verdict, feedback: c.feedback } });
    }
    const c = JSON.parse(verdict) as z.infer<typeof Critique> & { critic: string };
    if (c.verdict === 'revise') {
      if (!env.gate()) return false;
      const out = await env.call(
        agent,
        [
          ...base,
          { role: 'assistant', content: draft },
          { role: 'user', content: `${c.critic} sent your deliverable back: ${c.feedback}\nRevise it and give the full revised deliverable.` },
        ],
        { subgoal: sg.id },
      );
      deliverable = { text: out.text, out, turn: true, meta: { critique: c, revised: true } };
    } else deliverable = { text: draft, out: { prompt: 0, evalc: 0, seconds: 0 }, turn: false, meta: { critique: c, revised: false } };
  } else if (opponent) {
    const draft = await draftStep();
    if (draft === null) return false;
    let rebuttal = stored('rebuttal');
    if (rebuttal === undefined) {
      if (!env.gate()) return false;
      const out = await env.call(
        opponent,
        [
          {
            role: 'system',
            content: `${opponent.system_prompt}\nYou are ${opponent.name}, debating a teammate. Point out what is wrong or missing in their answer, then give your own better answer.`,
          },
          { role: 'user', content: `${base[1]!.content}\n\n${agent.name}'s answer:\n${draft}` },
        ],
        { subgoal: sg.id },
      );
      rebuttal = out.text;
      commit('rebuttal', opponent, out);
    }
    if (!env.gate()) return false;
    const judge = judgeFor(members);
    const out = await env.call(
      judge,
      [
        {
          role: 'system',
          content: `${judge.system_prompt}\nYou are ${judge.name}, judging a debate between two teammates. Weigh both answers (confidence: ${agent.name} ${agent.capabilities.confidence_weight}, ${opponent.name} ${opponent.capabilities.confidence_weight}) and give the one best deliverable.`,
        },
        { role: 'user', content: `${base[1]!.content}\n\n${agent.name} answered:\n${draft}\n\n${opponent.name} argued:\n${rebuttal}` },
      ],
      { subgoal: sg.id },
    );
    deliverable = { text: out.text, out, turn: true, meta: { debate: [agent.name, opponent.name], judge: judge.name } };
  } else {
    const out = await agentLoop(env, agent, sg, base);
    if (!out) return false;
    deliverable = { text: out.text, out, turn: true, meta: {} };
  }

  const previous = env.rs
    .steps(env.id)
    .filter((s) => s.kind === 'agent_turn')
    .at(-1)?.output;
  env.rs.completeStep(
    env.id,
    {
      kind: 'agent_turn',
      subgoal_id: sg.id,
      agent_id: agent.id,
      output: deliverable.text,
      prompt_tokens: deliverable.out.prompt,
      eval_tokens: deliverable.out.evalc,
      seconds: deliverable.out.seconds,
      turn: deliverable.turn,
    },
    {
      role: 'assistant',
      content: deliverable.text,
      meta: {
        subgoal_id: sg.id,
        agent_name: agent.name,
        handoff_from: sg.depends_on,
        prompt_tokens: deliverable.out.prompt,
        eval_tokens: deliverable.out.evalc,
        ...deliverable.meta,
      },
    },
  );
  env.emit({ kind: 'subgoal', subgoal_id: sg.id, agent_name: agent.name, data: { state: 'done' } });
  if (noProgress(previous, deliverable.text)) {
    env.stop('no_progress', `subgoal ${sg.id} gave the same answer as the one before`);
    return false;
  }
  return true;
}
