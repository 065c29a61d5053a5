// What an agent's tool call does. Memory tools are served by the memory engine directly (a search is read-only
// and recorded as the run's context; a proposed memory needs memory mode read_write). Every other tool is a
// safe-actions tool: it is PROPOSED to the queue under the existing policy — never executed here — and the
// branch waits until the action is decided (approved → executed / failed, or denied); the outcome comes back
// to the agent as an observation, a deny included.
import { z } from 'zod';
import type { ServerContext } from '../../context';
import type { Agent } from '../../protocol/agents';
import { MEMORY_TOOLS } from '../../protocol/agents';
import { didChange as actionsDidChange, TOOL_PARAMS, TOOLS, type ActionItem, type ToolName } from '../../protocol/actions';
import { SearchParams } from '../../protocol/memory';
import { AppError } from '../../protocol/errors';
import type { ToolSpec } from '../../bridges/models';
import { propose } from '../actions/queue';
import { stateOf } from '../actions/state';
import { retrieve } from '../memory/search';
import { recordContext } from '../memory/contexts';
import { changed as memoryChanged, createOne } from '../memory/capsules';
import { wakeEmbedder } from '../memory/embedder';

const MEMORY_SPECS: Record<(typeof MEMORY_TOOLS)[number], ToolSpec['function']> = {
  memory_search: {
    name: 'memory_search',
    description: 'Search Agentora memory (facts, notes, decisions) for what is relevant to a query.',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
  memory_propose: {
    name: 'memory_propose',
    description: 'Store a short fact or note worth remembering after this run.',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
};

/** The tools offered to the model: exactly the agent's allowed tools. */
export function toolSpecs(agent: Agent): ToolSpec[] {
  return agent.tools.map((t) => {
    if (t in MEMORY_SPECS) return { type: 'function' as const, function: MEMORY_SPECS[t as keyof typeof MEMORY_SPECS] };
    const tool = t as ToolName;
    return {
      type: 'function' as const,
      function: {
        name: tool,
        description: `${TOOLS[tool].description} (${TOOLS[tool].risk}; side effects wait for the operator's approval)`,
        parameters: z.toJSONSchema(TOOL_PARAMS[tool], { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
      },
    };
  });
}

export interface ToolContext {
  ctx: ServerContext;
  runId: string;
  agent: Agent;
  /** Unique per call (`s2#7.0`: subgoal, step seq, call index): a resumed run finds its action instead of proposing twice. */
  key: string;
  signal: AbortSignal;
  /** The branch starts / stops waiting on an action (the run shows waiting_approval meanwhile). */
  waiting(action: ActionItem | null): void;
}

export interface Observation {
  text: string;
  action_id: number | null;
  status: string;
}

const FINAL = new Set(['executed', 'failed', 'denied', 'interrupted']);
const clip = (s: string, n = 2000) => (s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters)` : s);

export async function runTool(tc: ToolContext, name: string, args: Record<string, unknown>): Promise<Observation> {
  const { agent } = tc;
  if (!(agent.tools as string[]).includes(name))
    return {
      text: `Tool '${name}' is not among your allowed tools (${agent.tools.join(', ') || 'none'}); nothing happened.`,
      action_id: null,
      status: 'refused',
    };
  if (name === 'memory_search') return memorySearch(tc, String(args.query ?? ''));
  if (name === 'memory_propose') return memoryPropose(tc, String(args.text ?? ''));
  return action(tc, name as ToolName, args);
}

async function memorySearch(tc: ToolContext, query: string): Promise<Observation> {
  if (tc.agent.memory_mode === 'none') return { text: 'Memory is off for this agent (memory mode none).', action_id: null, status: 'refused' };
  const p = SearchParams.safeParse({ query, top_k: 4, run_id: tc.runId });
  if (!p.success) return { text: `Invalid memory_search call: query ${p.error.issues[0]?.message ?? 'invalid'}`, action_id: null, status: 'invalid' };
  const r = await retrieve(tc.ctx, p.data);
  recordContext(tc.ctx, { kind: 'run', id: tc.runId }, { query: p.data.query, top_k: p.data.top_k }, r);
  const hits = r.items.map((s) => `- [memory #${s.row.id}] ${s.row.text.slice(0, 400)}`);
  return { text: hits.length ? `Memories for "${query}":\n${hits.join('\n')}` : `No memory matches "${query}".`, action_id: null, status: 'ok' };
}

function memoryPropose(tc: ToolContext, text: string): Observation {
  if (tc.agent.memory_mode !== 'read_write')
    return {
      text: `This agent may not write memories (memory mode ${tc.agent.memory_mode}); nothing was stored.`,
      action_id: null,
      status: 'refused',
    };
  const t = text.trim().slice(0, 4000);
  if (!t) return { text: 'Invalid memory_propose call: text is empty.', action_id: null, status: 'invalid' };
  const r = tc.ctx.db.transaction(() =>
    createOne(tc.ctx, { text: t, kind: 'note', source: 'run', source_ref: `run:${tc.runId}`, scope: 'workspace', layer: 'episodic', trust: 0.4 }),
  )();
  memoryChanged(tc.ctx, 'proposed by a team run', [r.id]);
  wakeEmbedder(tc.ctx);
  return { text: `Stored as memory #${r.id}.`, action_id: null, status: 'ok' };
}

/** The action this call already proposed (a restart while it waited), if any. */
function existing(tc: ToolContext): ActionItem | null {
  const row = tc.ctx.db.prepare('SELECT id FROM actions WHERE run_id = ? AND subgoal_id = ? ORDER BY id LIMIT 1').get(tc.runId, tc.key) as
    { id: number } | undefined;
  return row ? stateOf(tc.ctx).store.get(row.id) : null;
}

async function action(tc: ToolContext, tool: ToolName, args: Record<string, unknown>): Promise<Observation> {
  let item = existing(tc);
  if (!item) {
    try {
      item = await propose(
        tc.ctx,
        { run_id: tc.runId, agent_id: String(tc.agent.id), subgoal_id: tc.key, tool_name: tool, params: args },
        { transport: 'internal', actor: `agent:${tc.agent.name}` },
      );
    } catch (err) {
      // Bad parameters, the run's action limit: the agent hears why, nothing was queued.
      if (err instanceof AppError) return { text: `The ${tool} call was refused: ${err.message}`, action_id: null, status: 'invalid' };
      throw err;
    }
  }
  if (!FINAL.has(item.status)) {
    tc.waiting(item);
    try {
      item = await decided(tc.ctx, item.id, tc.signal);
    } finally {
      tc.waiting(null);
    }
  }
  return { text: observe(item), action_id: item.id, status: item.status };
}

function observe(a: ActionItem): string {
  switch (a.status) {
    case 'executed':
      return `Done (action #${a.id}: ${a.summary}). Result: ${clip(JSON.stringify(a.result ?? null))}`;
    case 'denied':
      return `Denied by ${a.decided_by ?? 'the operator'}${a.decision_reason ? ` (${a.decision_reason})` : ''}: action #${a.id} (${a.summary}) did NOT happen. Continue without it.`;
    case 'failed':
      return `Failed (action #${a.id}: ${a.summary}): ${a.error ?? 'unknown error'}`;
    default:
      return `Action #${a.id} (${a.summary}) was interrupted by a server stop; it may or may not have happened.`;
  }
}

/** Resolves when the action is executed / failed / denied / interrupted; rejects when the run is aborted. */
function decided(ctx: ServerContext, id: number, signal: AbortSignal): Promise<ActionItem> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const it = stateOf(ctx).store.get(id);
      if (it && FINAL.has(it.status)) {
        done();
        resolve(it);
      }
    };
    const unsubscribe = ctx.events.subscribe((name, payload) => {
      if (name === actionsDidChange.name && (payload as { action?: { id?: number } | null }).action?.id === id) check();
    });
    const onAbort = () => {
      done();
      reject(signal.reason ?? new Error('aborted'));
    };
    function done() {
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
    }
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}
