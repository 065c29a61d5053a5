// The run job: plan → each subgoal in dependency order (one agent turn each, with the outputs it depends on
// handed over) → a synthesis that is a real model call. Every step is committed (runStore.completeStep) before
// the next starts, and a gate before each model call re-reads the run: paused / cancelled / over a budget
// means no further call. A restarted server picks up queued and running runs and skips completed steps.
import type { ServerContext } from '../../context';
import type { Agent } from '../../protocol/agents';
import type { Run } from '../../protocol/runs';
import type { ChatMessage } from '../../bridges/models';
import { teamOr404 } from './lookup';
import { makePlan, plannerOf } from './planner';
import { runStore } from './runStore';

interface Active { ac: AbortController; done: Promise<void> }
const actives = new WeakMap<ServerContext, Map<string, Active>>();
const activeOf = (ctx: ServerContext) => actives.get(ctx) ?? (actives.set(ctx, new Map()), actives.get(ctx)!);

/** Which budget is spent, if any. */
export function budgetExceeded(r: Pick<Run, 'turns_used' | 'max_turns' | 'tokens_used' | 'token_budget' | 'seconds_used' | 'max_seconds'>): 'max_turns' | 'token_budget' | 'max_seconds' | null {
  if (r.turns_used >= r.max_turns) return 'max_turns';
  if (r.tokens_used >= r.token_budget) return 'token_budget';
  if (r.seconds_used >= r.max_seconds) return 'max_seconds';
  return null;
}

/** Same answer as the previous turn (whitespace and case ignored): the run is going round in circles. */
export function noProgress(previous: string | undefined, next: string): boolean {
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();
  return previous !== undefined && norm(previous) !== '' && norm(previous) === norm(next);
}

export function startRun(ctx: ServerContext, id: string): void {
  const map = activeOf(ctx);
  if (map.has(id)) return;
  const ac = new AbortController();
  const done = drive(ctx, id, ac.signal)
    .catch((err) => {
      if (ac.signal.aborted) return; // cancelled or server stopping: the status says which
      runStore(ctx.db).transition(id, ['running', 'queued'], 'failed', { error: (err as Error)?.message ?? String(err) });
    })
    .finally(() => map.delete(id));
  map.set(id, { ac, done });
}

export function abortRun(ctx: ServerContext, id: string): void {
  activeOf(ctx).get(id)?.ac.abort();
}

export async function stopAll(ctx: ServerContext): Promise<void> {
  const map = activeOf(ctx);
  for (const a of map.values()) a.ac.abort();
  await Promise.allSettled([...map.values()].map((a) => a.done));
}

async function call(ctx: ServerContext, agent: Agent | null, messages: ChatMessage[], signal: AbortSignal) {
  let text = '';
  let prompt = 0;
  let evalc = 0;
  for await (const c of ctx.models.chat({ model: agent?.model ?? undefined, messages, signal })) {
    text += c.content;
    if (c.done) {
      prompt = c.promptEvalCount ?? 0;
      evalc = c.evalCount ?? 0;
    }
  }
  return { text, prompt, evalc };
}

async function drive(ctx: ServerContext, id: string, signal: AbortSignal): Promise<void> {
  const rs = runStore(ctx.db);
  rs.transition(id, ['queued'], 'running');
  let run = rs.get(id)!;
  const team = teamOr404(ctx, run.team_id);
  const members = new Map(team.members.map((m) => [m.agent.id, m.agent]));

  /** Before each model call: still running, and within every budget? */
  const gate = (): boolean => {
    run = rs.get(id)!;
    if (run.status !== 'running') return false;
    const over = budgetExceeded(run);
    if (over) {
      rs.transition(id, ['running'], 'stopped', { stop_reason: over });
      return false;
    }
    return true;
  };
  const timed = async <T>(fn: (s: AbortSignal) => Promise<T>): Promise<{ v: T; seconds: number }> => {
    const t0 = performance.now();
    const remaining = Math.max(0.05, run.max_seconds - run.seconds_used);
    const timeout = AbortSignal.timeout(Math.ceil(remaining * 1000));
    try {
      const v = await fn(AbortSignal.any([signal, timeout]));
      return { v, seconds: (performance.now() - t0) / 1000 };
    } catch (err) {
      if (timeout.aborted && !signal.aborted) {
        rs.transition(id, ['running'], 'stopped', { stop_reason: 'max_seconds' });
        throw Object.assign(new Error('max_seconds'), { budgetStop: true });
      }
      throw err;
    }
  };

  try {
    // 1. Plan (once; a resumed run reuses the stored plan).
    if (!rs.plan(id).plan) {
      if (!gate()) return;
      const { v: outcome, seconds } = await timed((s) => makePlan(ctx.models, team, run.prompt, run.mode, s));
      rs.savePlan(id, outcome, { kind: 'plan', subgoal_id: null, agent_id: plannerOf(team.members.map((m) => m.agent)).id, output: JSON.stringify(outcome.plan ?? outcome.raw_output ?? null), prompt_tokens: outcome.plan?.prompt_tokens ?? 0, eval_tokens: outcome.plan?.eval_tokens ?? 0, seconds });
      if (!outcome.ok) {
        rs.transition(id, ['running'], 'failed', { stop_reason: 'invalid_plan', error: outcome.error });
        return;
      }
    }
    const plan = rs.plan(id).plan!;
    // 2. Subgoals in dependency order; completed ones are skipped (resume).
    for (const sid of plan.order) {
      const subgoals = rs.subgoals(id);
      const sg = subgoals.find((s) => s.id === sid)!;
      if (sg.status === 'done') continue;
      if (!gate()) return;
      const agent = members.get(sg.agent_id as number) ?? team.members[0]!.agent;
      const inputs = (sg.depends_on as string[]).map((d) => subgoals.find((s) => s.id === d)!).map((d) => `- ${d.id} "${d.title}" (by ${d.agent_name}):\n${d.output ?? ''}`);
      const messages: ChatMessage[] = [
        { role: 'system', content: `${agent.system_prompt}\nYou are ${agent.name}, the team's ${agent.role}. Work only on your subgoal and give its deliverable.` },
        { role: 'user', content: `Team goal: ${run.prompt}\nYour subgoal (${sg.id}): ${sg.title}\n${sg.description}\nDeliverable: ${sg.deliverable}${inputs.length ? `\nHanded over from earlier subgoals:\n${inputs.join('\n')}` : ''}` },
      ];
      const { v: out, seconds } = await timed((s) => call(ctx, agent, messages, s));
      const previous = rs.steps(id).filter((s) => s.kind === 'agent_turn').at(-1)?.output;
      rs.completeStep(id, { kind: 'agent_turn', subgoal_id: sid, agent_id: agent.id, output: out.text, prompt_tokens: out.prompt, eval_tokens: out.evalc, seconds },
        { role: 'assistant', content: out.text, meta: { subgoal_id: sid, agent_name: agent.name, handoff_from: sg.depends_on, prompt_tokens: out.prompt, eval_tokens: out.evalc } });
      if (noProgress(previous, out.text)) {
        rs.transition(id, ['running'], 'stopped', { stop_reason: 'no_progress' });
        return;
      }
    }
    // 3. Synthesis: a real model call over the subgoal outputs.
    if (!gate()) return;
    const done = rs.subgoals(id);
    const synth = plannerOf(team.members.map((m) => m.agent));
    const { v: out, seconds } = await timed((s) => call(ctx, synth, [
      { role: 'system', content: `${synth.system_prompt}\nCombine the team's results into one final answer to the goal. Be concise and concrete.` },
      { role: 'user', content: `Goal: ${run.prompt}\nResults:\n${done.map((d) => `## ${d.id} ${d.title} (by ${d.agent_name})\n${d.output ?? ''}`).join('\n\n')}` },
    ], s));
    rs.completeStep(id, { kind: 'synthesis', subgoal_id: null, agent_id: synth.id, output: out.text, prompt_tokens: out.prompt, eval_tokens: out.evalc, seconds },
      { role: 'assistant', content: out.text, meta: { synthesis: true, agent_name: synth.name } }, true);
    rs.transition(id, ['running'], 'completed');
  } catch (err) {
    if ((err as { budgetStop?: boolean }).budgetStop) return;
    throw err;
  }
}
