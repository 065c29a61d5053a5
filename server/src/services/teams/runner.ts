// The run job: plan → subgoals in dependency order (independent ones side by side, bounded by the mode's
// concurrency; each worked by its mode — see modes.ts — through the agent's tool loop, agentLoop.ts) → a
// synthesis that is a real model call → the outcome stored as a memory. Every step is committed before the next
// starts, and a gate before each model call re-reads the run: paused / cancelled / over a budget means no
// further call. A restarted server picks up queued, running and waiting runs and skips completed steps.
import type { ServerContext } from '../../context';
import type { Agent } from '../../protocol/agents';
import { WORKING, type Run } from '../../protocol/runs';
import { MODE_BEHAVIOUR } from '../../protocol/teams';
import type { TeamCore } from './store';
import type { ActionItem } from '../../protocol/actions';
import type { ChatMessage } from '../../bridges/models';
import { teamCoreOr404 } from './lookup';
import { makePlan, plannerOf } from './planner';
import { runStore, type RunSubgoal } from './runStore';
import { budgetExceeded } from './progress';
import { emitRun, transitionRun } from './live';
import type { CallOut, RunEnv } from './agentLoop';
import { workSubgoal } from './modes';
import { storeOutcome } from './outcome';

export { budgetExceeded, noProgress } from './progress';

interface Active {
  ac: AbortController;
  done: Promise<void>;
}
const actives = new WeakMap<ServerContext, Map<string, Active>>();
const activeOf = (ctx: ServerContext) => actives.get(ctx) ?? (actives.set(ctx, new Map()), actives.get(ctx)!);

export function startRun(ctx: ServerContext, id: string): void {
  const map = activeOf(ctx);
  if (map.has(id)) return;
  const ac = new AbortController();
  const done = drive(ctx, id, ac.signal)
    .catch((err) => {
      if (ac.signal.aborted) return; // cancelled or server stopping: the status says which
      transitionRun(ctx, id, ['running', 'queued', 'waiting_approval'], 'failed', { error: (err as Error)?.message ?? String(err) });
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

class BudgetStop extends Error {}

const TOKEN_FLUSH_MS = 40;

function makeEnv(ctx: ServerContext, id: string, signal: AbortSignal): RunEnv {
  const rs = runStore(ctx.db);
  let run = rs.get(id)!;
  let waits = 0;
  const stopWith = (reason: string, error?: string) =>
    transitionRun(ctx, id, WORKING, 'stopped', { stop_reason: reason, ...(error ? { error } : {}) });
  // Every committed step also tells watchers the budget use so far.
  const counted = Object.create(rs) as typeof rs;
  counted.completeStep = (...a: Parameters<typeof rs.completeStep>) => {
    const seq = rs.completeStep(...a);
    const r = rs.get(id)!;
    emitRun(ctx, {
      run_id: id,
      kind: 'step',
      subgoal_id: a[1].subgoal_id,
      data: {
        kind: a[1].kind,
        seq,
        turns_used: r.turns_used,
        tokens_used: r.tokens_used,
        seconds_used: r.seconds_used,
        max_turns: r.max_turns,
        token_budget: r.token_budget,
        max_seconds: r.max_seconds,
      },
    });
    return seq;
  };
  const env: RunEnv = {
    ctx,
    id,
    rs: counted,
    signal,
    run: () => run,
    gate() {
      if (signal.aborted) return false;
      run = rs.get(id)!;
      if (!WORKING.includes(run.status)) return false;
      const over = budgetExceeded(run);
      if (over) {
        stopWith(over);
        return false;
      }
      return true;
    },
    async call(agent: Agent, messages: ChatMessage[], opts = {}): Promise<CallOut> {
      const t0 = performance.now();
      const remaining = Math.max(0.05, run.max_seconds - run.seconds_used);
      const timeout = AbortSignal.timeout(Math.ceil(remaining * 1000));
      let text = '';
      let prompt = 0;
      let evalc = 0;
      const toolCalls: CallOut['toolCalls'] = [];
      // Tokens go to watchers in batches (at most one event per TOKEN_FLUSH_MS per call): a notification per
      // chunk would cost a schema check and a JSON frame each, times every concurrent run.
      let unsent = '';
      let lastFlush = performance.now();
      const flush = () => {
        if (unsent) env.emit({ kind: 'token', subgoal_id: opts.subgoal ?? null, agent_name: agent.name, delta: unsent });
        unsent = '';
        lastFlush = performance.now();
      };
      try {
        for await (const c of ctx.models.chat({
          model: agent.model ?? undefined,
          messages,
          tools: opts.tools,
          format: opts.format,
          ...(opts.format ? { options: { temperature: 0 } } : {}),
          signal: AbortSignal.any([signal, timeout]),
          route: { kind: 'team_step', workerMode: run.worker_mode ?? undefined, ref: id },
        })) {
          text += c.content;
          if (c.content && !opts.format) {
            unsent += c.content;
            if (performance.now() - lastFlush >= TOKEN_FLUSH_MS) flush();
          }
          if (c.toolCalls) toolCalls.push(...c.toolCalls);
          if (c.done) {
            prompt = c.promptEvalCount ?? 0;
            evalc = c.evalCount ?? 0;
          }
        }
        flush();
      } catch (err) {
        if (timeout.aborted && !signal.aborted) {
          stopWith('max_seconds');
          throw new BudgetStop('max_seconds');
        }
        throw err;
      }
      return { text, prompt, evalc, seconds: (performance.now() - t0) / 1000, toolCalls };
    },
    stop(reason, detail) {
      stopWith(reason, detail);
    },
    emit(ev) {
      emitRun(ctx, { run_id: id, ...ev });
    },
    waiting(item: ActionItem | null) {
      if (item) {
        waits++;
        rs.setWaiting(id, item.id);
        transitionRun(ctx, id, ['running'], 'waiting_approval');
        // The action's subgoal_id is the call's key (`s2#7.0`): its subgoal is the part before '#'.
        env.emit({
          kind: 'approval',
          subgoal_id: item.subgoal_id?.split('#')[0] ?? null,
          data: { action_id: item.id, summary: item.summary, tool_name: item.tool_name, state: 'waiting' },
        });
      } else {
        waits = Math.max(0, waits - 1);
        if (!waits) {
          rs.setWaiting(id, null);
          transitionRun(ctx, id, ['waiting_approval'], 'running');
        }
        env.emit({ kind: 'approval', subgoal_id: null, data: { state: 'decided' } });
      }
    },
  };
  return env;
}

async function drive(ctx: ServerContext, id: string, signal: AbortSignal): Promise<void> {
  transitionRun(ctx, id, ['queued'], 'running');
  // After a restart no branch is waiting yet: the loop finds its action again and waits anew.
  transitionRun(ctx, id, ['waiting_approval'], 'running');
  const env = makeEnv(ctx, id, signal);
  const team = teamCoreOr404(ctx, env.run().team_id);
  const members = team.members.map((m) => m.agent);

  try {
    if (!(await plan(env, team))) return;
    if (!(await subgoals(env, members))) return;
    await synthesis(env, members);
  } catch (err) {
    if (err instanceof BudgetStop) return;
    throw err;
  }
}

/** 1. Plan (once; a resumed run reuses the stored plan). */
async function plan(env: RunEnv, team: TeamCore): Promise<boolean> {
  const { rs, id } = env;
  if (!rs.plan(id).plan) {
    if (!env.gate()) return false;
    const t0 = performance.now();
    const outcome = await makePlan(env.ctx.models, team, env.run().prompt, env.run().mode, env.signal, {
      kind: 'team_step',
      workerMode: env.run().worker_mode ?? undefined,
      ref: id,
    });
    rs.savePlan(id, outcome, {
      kind: 'plan',
      subgoal_id: null,
      agent_id: plannerOf(team.members.map((m) => m.agent)).id,
      output: JSON.stringify(outcome.plan ?? outcome.raw_output ?? null),
      prompt_tokens: outcome.plan?.prompt_tokens ?? 0,
      eval_tokens: outcome.plan?.eval_tokens ?? 0,
      seconds: (performance.now() - t0) / 1000,
    });
    if (!outcome.ok) {
      transitionRun(env.ctx, id, ['running'], 'failed', { stop_reason: 'invalid_plan', error: outcome.error });
      return false;
    }
  }
  env.emit({ kind: 'plan', data: { plan: rs.plan(id).plan, subgoals: rs.subgoals(id).map(({ output: _o, ...s }) => s) } });
  return true;
}

/** 2. Subgoals whose dependencies are done, up to the mode's concurrency at once; completed ones are skipped. */
async function subgoals(env: RunEnv, members: Agent[]): Promise<boolean> {
  const limit = MODE_BEHAVIOUR[env.run().mode].concurrency;
  const running = new Map<string, Promise<boolean>>();
  let stopped = false;
  let failure: unknown = null;
  for (;;) {
    const all = env.rs.subgoals(env.id);
    const done = new Set(all.filter((s) => s.status === 'done').map((s) => s.id));
    if (done.size === all.length) return true;
    if (!stopped && !failure) {
      const ready = all.filter((s) => !done.has(s.id) && !running.has(s.id) && s.depends_on.every((d) => done.has(d)));
      for (const s of ready.slice(0, Math.max(0, limit - running.size))) {
        running.set(
          s.id,
          work(env, members, s, all).then(
            (ok) => ok,
            (err) => {
              failure ??= err;
              return false;
            },
          ),
        );
      }
    }
    if (!running.size) {
      if (failure) throw failure;
      return false;
    }
    const [sid, ok] = await Promise.race([...running].map(([k, p]) => p.then((v) => [k, v] as const)));
    running.delete(sid);
    if (!ok) stopped = true;
  }
}

const work = (env: RunEnv, members: Agent[], s: RunSubgoal, all: RunSubgoal[]) => workSubgoal(env, members, s, all);

/** 3. Synthesis: a real model call over the subgoal outputs; then the outcome is remembered. */
async function synthesis(env: RunEnv, members: Agent[]): Promise<void> {
  const { rs, id } = env;
  if (!env.gate()) return;
  const done = rs.subgoals(id);
  const synth = plannerOf(members);
  const out = await env.call(synth, [
    { role: 'system', content: `${synth.system_prompt}\nCombine the team's results into one final answer to the goal. Be concise and concrete.` },
    {
      role: 'user',
      content: `Goal: ${env.run().prompt}\nResults:\n${done.map((d) => `## ${d.id} ${d.title} (by ${d.agent_name})\n${d.output ?? ''}`).join('\n\n')}`,
    },
  ]);
  rs.completeStep(
    id,
    {
      kind: 'synthesis',
      subgoal_id: null,
      agent_id: synth.id,
      output: out.text,
      prompt_tokens: out.prompt,
      eval_tokens: out.evalc,
      seconds: out.seconds,
    },
    { role: 'assistant', content: out.text, meta: { synthesis: true, agent_name: synth.name } },
    true,
  );
  if (transitionRun(env.ctx, id, ['running'], 'completed')) storeOutcome(env.ctx, rs.get(id)! as Run, members);
}
