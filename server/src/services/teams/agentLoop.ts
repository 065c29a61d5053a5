// One agent's loop on one subgoal: think → tool calls → observe, until it answers without a tool call. Each
// model call that asks for tools is committed as a `tool_call` step and each observation as a `tool_result`
// step before the next starts, so a restarted run rebuilds the conversation from its steps and continues
// (a call whose action was already proposed finds it again — see agentTools.ts). The subgoal's step cap holds:
// asking for one more tool step than the cap stops the run with stop_reason `step_cap`; asking for exactly the
// same calls twice in a row stops it with `no_progress`.
import type { Agent } from '../../protocol/agents';
import type { Run } from '../../protocol/runs';
import type { ActionItem } from '../../protocol/actions';
import type { RunEvent } from '../../protocol/runsLive';
import type { ChatMessage, ToolCall, ToolSpec } from '../../bridges/models';
import type { ServerContext } from '../../context';
import type { RunStore, RunSubgoal } from './runStore';
import { runTool, toolSpecs } from './agentTools';

export interface CallOut {
  text: string;
  prompt: number;
  evalc: number;
  seconds: number;
  toolCalls: ToolCall[];
}

/** What a run's job gives the parts that work subgoals. */
export interface RunEnv {
  ctx: ServerContext;
  id: string;
  rs: RunStore;
  signal: AbortSignal;
  /** The run as last read. */
  run(): Run;
  /** Before each model call: still working and within every budget? (false: stop this branch) */
  gate(): boolean;
  /** A model call on the agent's model, timed against max_seconds, streamed to watchers as tokens. */
  call(
    agent: Agent,
    messages: ChatMessage[],
    opts?: { tools?: ToolSpec[]; format?: Record<string, unknown>; subgoal?: string | null },
  ): Promise<CallOut>;
  /** Stop the run (status stopped) with a budget's name. */
  stop(reason: 'no_progress' | 'step_cap', detail: string): void;
  emit(ev: Omit<RunEvent, 'run_id'>): void;
  /** A branch starts (item) / stops (null) waiting on an action. */
  waiting(item: ActionItem | null): void;
}

const signature = (calls: ToolCall[]) => JSON.stringify(calls.map((c) => [c.function.name, c.function.arguments]));

/** Returns the agent's final answer, or null when the branch must stop (paused, cancelled, a budget). */
export async function agentLoop(env: RunEnv, agent: Agent, sg: RunSubgoal, base: ChatMessage[]): Promise<CallOut | null> {
  const tools = toolSpecs(agent);
  const messages = [...base];
  let used = 0;
  let last: string | null = null;
  let open: { seq: number; calls: ToolCall[]; done: number } | null = null;
  // Resume: the conversation so far, from the committed steps of this subgoal's loop.
  for (const s of env.rs.steps(env.id)) {
    if (s.subgoal_id !== sg.id || (s.kind !== 'tool_call' && s.kind !== 'tool_result')) continue;
    const o = JSON.parse(s.output) as { content: string; calls: ToolCall[]; name: string; observation: string };
    if (s.kind === 'tool_call') {
      messages.push({ role: 'assistant', content: o.content, tool_calls: o.calls });
      used++;
      last = signature(o.calls);
      open = { seq: s.seq, calls: o.calls, done: 0 };
    } else {
      messages.push({ role: 'tool', content: o.observation, tool_name: o.name });
      if (open) open.done++;
    }
  }
  if (open && open.done < open.calls.length && !(await runCalls(open.seq, open.calls, open.done))) return null;

  for (;;) {
    if (!env.gate()) return null;
    const out = await env.call(agent, messages, { tools: tools.length ? tools : undefined, subgoal: sg.id });
    if (!out.toolCalls.length) return out;
    const calls = out.toolCalls.map((c) => ({ function: { name: String(c.function.name), arguments: c.function.arguments ?? {} } }));
    const over = used >= sg.step_cap;
    const seq = env.rs.completeStep(
      env.id,
      {
        kind: 'tool_call',
        subgoal_id: sg.id,
        agent_id: agent.id,
        output: JSON.stringify({ content: out.text, calls, ...(over ? { refused: 'step_cap' } : {}) }),
        prompt_tokens: out.prompt,
        eval_tokens: out.evalc,
        seconds: out.seconds,
      },
      null,
    );
    if (over) {
      env.stop('step_cap', `${agent.name} asked for tool step ${used + 1} on subgoal ${sg.id}; its step cap is ${sg.step_cap}`);
      return null;
    }
    if (signature(calls) === last) {
      env.stop('no_progress', `${agent.name} repeated the same tool call on subgoal ${sg.id}`);
      return null;
    }
    last = signature(calls);
    used++;
    messages.push({ role: 'assistant', content: out.text, tool_calls: calls });
    if (!(await runCalls(seq, calls, 0))) return null;
  }

  async function runCalls(seq: number, calls: ToolCall[], from: number): Promise<boolean> {
    for (let i = from; i < calls.length; i++) {
      const { name, arguments: args } = calls[i]!.function;
      env.emit({ kind: 'tool_call', subgoal_id: sg.id, agent_name: agent.name, data: { name, arguments: args } });
      const obs = await runTool(
        { ctx: env.ctx, runId: env.id, agent, key: `${sg.id}#${seq}.${i}`, signal: env.signal, waiting: env.waiting },
        name,
        args,
      );
      env.rs.completeStep(
        env.id,
        {
          kind: 'tool_result',
          subgoal_id: sg.id,
          agent_id: agent.id,
          output: JSON.stringify({ i, name, observation: obs.text, action_id: obs.action_id, status: obs.status }),
          prompt_tokens: 0,
          eval_tokens: 0,
          seconds: 0,
        },
        null,
      );
      env.emit({
        kind: 'tool_result',
        subgoal_id: sg.id,
        agent_name: agent.name,
        data: { name, observation: obs.text.slice(0, 2000), action_id: obs.action_id, status: obs.status },
      });
      messages.push({ role: 'tool', content: obs.text, tool_name: name });
    }
    return true;
  }
}
