// What each step type does, given its rendered params. Model calls go through ctx.models with the workflow
// route; actions through the safe-actions queue (policy, approval, execute-once) under an idempotency key;
// team runs through the runs service; tools through the memory service or the outbound domain check. Each
// returns an outcome for the engine to commit — none of them writes workflow state.
import type { CallInfo, ServerContext } from '../../context';
import type { ServiceRegistry } from '../registry';
import type { ActionItem, ToolName } from '../../protocol/actions';
import { AppError } from '../../protocol/errors';
import { TERMINAL as TEAM_TERMINAL } from '../../protocol/runs';
import type { Step, WorkflowRun } from '../../protocol/workflows';
import { propose } from '../actions/queue';
import { policyEnv } from '../actions/state';
import { urlRefusal } from '../actions/domains';
import { actionByKey } from '../actions/workflowGate';

export type Outcome =
  | { kind: 'done'; output: unknown }
  /** retryable: the engine may try again (timeouts, model errors); not: denied, invalid params. */
  | { kind: 'failed'; error: string; retryable: boolean }
  /** The step waits on a queue item (an action the policy asks about). */
  | { kind: 'wait_action'; action_id: number }
  /** Nothing was done (an action interrupted before it touched anything): propose it again as a new attempt. */
  | { kind: 'redo'; reason: string }
  /** A team run was started: record its id before waiting. */
  | { kind: 'team_started'; team_run_id: string };

export interface StepEnv {
  ctx: ServerContext;
  registry: ServiceRegistry;
  run: WorkflowRun;
  spec: Step;
  params: Record<string, unknown>;
  signal: AbortSignal;
  /** Idempotency key of this attempt's action (`subgoal_id` in the queue). */
  actionKey: string;
}

export const actionRunId = (runId: number) => `wfr_${runId}`;
const internal = (runId: number): CallInfo => ({ transport: 'internal', actor: `workflow:${runId}` });

/** The outcome of a queue item an action step proposed. */
export function actionOutcome(item: ActionItem): Outcome | null {
  switch (item.status) {
    case 'executed':
      return { kind: 'done', output: { action_id: item.id, result: item.result ?? null } };
    case 'failed':
      return { kind: 'failed', error: `action ${item.id} failed: ${item.error ?? 'unknown error'}`, retryable: true };
    case 'denied':
      return { kind: 'failed', error: `action ${item.id} was denied${item.decision_reason ? `: ${item.decision_reason}` : ''}`, retryable: false };
    case 'pending':
      return { kind: 'wait_action', action_id: item.id };
    default:
      return null; // approved / executing / interrupted: the engine decides (see engine.ts)
  }
}

async function modelCall(env: StepEnv, prompt: string, system?: string, model?: string): Promise<Outcome> {
  let text = '';
  for await (const c of env.ctx.models.chat({
    model,
    messages: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user' as const, content: prompt }],
    signal: env.signal,
    route: { kind: 'workflow_model_call', workerMode: env.run.worker_mode, ref: `workflow_run:${env.run.id}:step:${env.spec.position}` },
  })) {
    text += c.content;
  }
  return { kind: 'done', output: text };
}

async function action(env: StepEnv): Promise<Outcome> {
  const runId = actionRunId(env.run.id);
  // Asked first: a restarted engine never proposes an attempt the queue already has.
  const known = actionByKey(env.ctx, runId, env.actionKey);
  if (known) return actionOutcome(known) ?? { kind: 'failed', error: `action ${known.id} is ${known.status}`, retryable: false };
  try {
    const item = await propose(
      env.ctx,
      { run_id: runId, agent_id: 'workflow', subgoal_id: env.actionKey, tool_name: env.spec.tool_name as ToolName, params: env.params },
      internal(env.run.id),
    );
    return actionOutcome(item) ?? { kind: 'failed', error: `action ${item.id} is ${item.status}`, retryable: false };
  } catch (err) {
    if (err instanceof AppError) return { kind: 'failed', error: err.message, retryable: false };
    throw err;
  }
}

async function httpFetch(env: StepEnv, url: string): Promise<Outcome> {
  let current = url;
  for (let hop = 0; hop < 5; hop++) {
    const refusal = urlRefusal(current, policyEnv(env.ctx), ['http:', 'https:']);
    if (refusal) return { kind: 'failed', error: `http_fetch refused ${current}: ${refusal}`, retryable: false };
    const res = await fetch(current, { redirect: 'manual', signal: env.signal });
    const loc = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && loc) {
      await res.body?.cancel();
      current = new URL(loc, current).href; // every hop passes the domain check again
      continue;
    }
    const buf = Buffer.from(await res.arrayBuffer()).subarray(0, 256 * 1024);
    const out = { url: current, status: res.status, content_type: res.headers.get('content-type'), text: buf.toString('utf8') };
    return res.ok
      ? { kind: 'done', output: out }
      : { kind: 'failed', error: `http_fetch ${current}: HTTP ${res.status}`, retryable: res.status >= 500 };
  }
  return { kind: 'failed', error: 'http_fetch: too many redirects', retryable: false };
}

async function tool(env: StepEnv): Promise<Outcome> {
  const p = env.params;
  const call = internal(env.run.id);
  switch (env.spec.tool_name) {
    case 'memory_search': {
      const r = (await env.registry.call('agentora/memory/search', { query: String(p.query), top_k: p.top_k ?? 6 }, call)) as {
        items: Array<{ capsule_id: number; text: string; score: number }>;
      };
      return { kind: 'done', output: { items: r.items.map((i) => ({ capsule_id: i.capsule_id, text: i.text, score: i.score })) } };
    }
    case 'memory_propose': {
      const r = (await env.registry.call(
        'agentora/memory/create',
        { text: String(p.text), source: 'run', source_ref: `workflow_run:${env.run.id}` },
        call,
      )) as {
        capsule: { capsule_id: number };
        duplicate_of: number | null;
      };
      return { kind: 'done', output: { capsule_id: r.capsule.capsule_id, duplicate_of: r.duplicate_of } };
    }
    case 'http_fetch':
      return httpFetch(env, String(p.url));
    default:
      return { kind: 'failed', error: `unknown tool ${env.spec.tool_name}`, retryable: false };
  }
}

async function handoff(env: StepEnv): Promise<Outcome> {
  const agent = (await env.registry.call('agentora/agents/get', { id: Number(env.params.agent_id) }, internal(env.run.id))) as {
    name: string;
    role: string;
    model: string | null;
    system_prompt: string;
  };
  const out = await modelCall(
    env,
    String(env.params.message),
    `${agent.system_prompt}\nYou are ${agent.name}, the team's ${agent.role}. The workflow hands this task to you.`,
    agent.model ?? undefined,
  );
  return out.kind === 'done' ? { kind: 'done', output: { agent: agent.name, text: out.output } } : out;
}

/** Start a team run (the runs service's public call); the engine records its id, then waits for it. */
async function startTeamRun(env: StepEnv): Promise<Outcome> {
  const r = (await env.registry.call(
    'agentora/runs/create',
    { team_id: Number(env.params.team_id), prompt: String(env.params.prompt) },
    internal(env.run.id),
  )) as {
    run_id: string;
  };
  return { kind: 'team_started', team_run_id: r.run_id };
}

/** Poll a team run until it ends (or the signal aborts). */
export async function waitTeamRun(env: Pick<StepEnv, 'registry' | 'signal' | 'run'>, teamRunId: string): Promise<Outcome> {
  for (;;) {
    const r = (await env.registry.call('agentora/runs/get', { id: teamRunId }, internal(env.run.id))) as {
      run: { status: string; final_output: string | null; error: string | null; stop_reason: string | null };
    };
    if ((TEAM_TERMINAL as readonly string[]).includes(r.run.status)) {
      const output = { team_run_id: teamRunId, status: r.run.status, final_output: r.run.final_output };
      return r.run.status === 'completed'
        ? { kind: 'done', output }
        : {
            kind: 'failed',
            error: `team run ${teamRunId} ended ${r.run.status}${r.run.stop_reason ? ` (${r.run.stop_reason})` : ''}${r.run.error ? `: ${r.run.error}` : ''}`,
            retryable: false,
          };
    }
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, 200);
      env.signal.addEventListener('abort', () => (clearTimeout(t), reject(env.signal.reason)), { once: true });
    });
  }
}

export async function executeStep(env: StepEnv): Promise<Outcome> {
  switch (env.spec.step_type) {
    case 'model_call':
      return modelCall(
        env,
        String(env.params.prompt ?? ''),
        env.params.system ? String(env.params.system) : undefined,
        env.params.model ? String(env.params.model) : undefined,
      );
    case 'action':
      return action(env);
    case 'tool':
      return tool(env);
    case 'handoff':
      return handoff(env);
    case 'team_run':
      return startTeamRun(env);
    case 'approval_gate':
      return { kind: 'done', output: { approved: true } };
  }
}
