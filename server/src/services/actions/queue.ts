// The approval queue: propose → pending → approved/denied → executing → executed/failed (or interrupted, if the
// server stopped meanwhile; see ./recovery.ts). The policy decides at propose time and again right before
// execution; a policy deny can never be approved; an action executes at most once (conditional UPDATEs are the
// only doors: pending → approved, approved → executing — committed before the side effect — and executions
// are UNIQUE). The executors then check the objects they use (./safefs.ts).
import type { CallInfo, ServerContext } from '../../context';
import { AppError, conflict, notFound } from '../../protocol/errors';
import { didChange, TOOLS, type ActionItem, type ToolName } from '../../protocol/actions';
import { evaluate, parseToolParams, type Evaluation, type PolicyEnv } from './policy';
import { allowedRoots, policyEnv, stateOf, workspaceKey } from './state';
import { execute, ExecutionFailed } from './executors';
import { displayArgv } from './summary';
import { urlRefusal } from './domains';
import { openFileRead, readUpTo } from './safefs';
import { runActionOnWorker } from '../workers/actionJobs';

export function emitChange(ctx: ServerContext, kind: 'action' | 'rule' | 'grant' | 'policy', action: ActionItem | null): void {
  ctx.events.emit(didChange, { kind, action, pending_count: stateOf(ctx).store.pendingCount() });
}

export interface ProposeInput {
  run_id?: string | null;
  agent_id?: string | null;
  subgoal_id?: string | null;
  action_class?: string;
  tool_name: ToolName;
  params: Record<string, unknown>;
  requested_worker?: string | null;
}

const checkUrlWith =
  (env: PolicyEnv) =>
  (raw: string): string | null =>
    urlRefusal(raw, env);

/** Why an action that is not pending cannot be approved / denied (the 409's message). */
export function notPendingMessage(id: number, status: string | undefined, verb: 'approved' | 'denied'): string {
  if (status === 'executing') return `Action ${id} is executing now; it can no longer be ${verb}`;
  if (status === 'interrupted')
    return `Action ${id} was interrupted by a server stop and is never re-run; see its result for what is known, and propose it again if it should run`;
  return verb === 'approved'
    ? `Action ${id} is already ${status}; it can be approved only once`
    : `Action ${id} is already ${status}; only a pending action can be denied`;
}

/**
 * Run an approved action: re-check the policy on the real file system now, commit `executing`, then execute
 * (the executors verify every object at the moment of use), then record.
 */
async function runApproved(ctx: ServerContext, item: ActionItem, call: CallInfo): Promise<ActionItem> {
  const st = stateOf(ctx);
  const env = policyEnv(ctx);
  let ev: Evaluation;
  try {
    ev = evaluate(item.tool_name, item.params, env);
  } catch (err) {
    ev = { decision: 'deny', reason: (err as Error).message, rule: 'guard:params' } as Evaluation;
  }
  // Asked to run on another machine (requested_worker: a worker's name, or any): the workers area runs it there.
  if (ev.decision !== 'deny' && item.requested_worker && item.requested_worker !== 'local') return runActionOnWorker(ctx, item, ev, call);
  // Committed before any side effect: after a crash this row says "it may have started", never "approved".
  const started = ctx.db.transaction(() => {
    const at = st.store.start(item.id);
    if (at) st.store.audit({ action_id: item.id, event: 'executing', actor: call.actor, transport: call.transport, reason: null, rule: ev.rule });
    return at;
  })();
  if (!started) throw conflict(notPendingMessage(item.id, st.store.get(item.id)?.status, 'approved'));
  emitChange(ctx, 'action', st.store.get(item.id));
  let ok = false;
  let result: unknown = null;
  let error: string | null = null;
  if (ev.decision === 'deny') {
    // Something changed between approval and execution (a symlink swapped, a rule added): refuse, never run.
    error = `Refused at execution: ${ev.reason}`;
  } else {
    try {
      result = await execute(ev, {
        guard: { roots: env.roots, blockedRoots: env.blockedRoots },
        timeoutMs: ctx.config['actions.commandTimeoutSeconds'] * 1000,
        outputCap: ctx.config['actions.outputCapBytes'],
        browserExecutable: env.browser.executable,
        checkUrl: checkUrlWith(env),
      });
      ok = true;
    } catch (err) {
      error = err instanceof ExecutionFailed ? err.message : `${(err as Error)?.message ?? String(err)}`;
      result = err instanceof ExecutionFailed ? err.result : null;
    }
  }
  st.store.finish(item.id, ok, started, result, error);
  st.store.audit({
    action_id: item.id,
    event: ok ? 'executed' : 'failed',
    actor: call.actor,
    transport: call.transport,
    reason: error,
    rule: ev.rule,
    scope_preview: item.scope_preview,
  });
  const done = st.store.get(item.id)!;
  emitChange(ctx, 'action', done);
  return done;
}

export async function propose(ctx: ServerContext, input: ProposeInput, call: CallInfo, opts: { gate?: true } = {}): Promise<ActionItem> {
  const st = stateOf(ctx);
  const tool = input.tool_name;
  // A workflow_gate item only means something to the workflow engine that waits on it: proposed by anyone else
  // (POST /api/actions, MCP, an agent, an action step) it would sit pending and continue nothing.
  if (tool === 'workflow_gate' && !opts.gate)
    throw new AppError(
      'bad_request',
      'Invalid params: tool_name: workflow_gate items are created by the workflow engine only (use an approval_gate step or requires_approval)',
      [{ path: 'tool_name', message: 'workflow_gate is created by the workflow engine only' }],
    );
  const params = parseToolParams(tool, input.params);
  const runId = input.run_id ?? null;
  if (runId) {
    const max = ctx.config['actions.maxActionSteps'];
    if (st.store.countForRun(runId) >= max) throw conflict(`Run '${runId}' has reached its limit of ${max} actions (AGENTORA_MAX_ACTION_STEPS)`);
  }
  const info = TOOLS[tool];
  if (input.action_class && input.action_class !== info.action_class) {
    throw new AppError('bad_request', `Invalid params: action_class: ${tool} is a ${info.action_class} tool, not ${input.action_class}`, [
      { path: 'action_class', message: `must be ${info.action_class} for ${tool}` },
    ]);
  }
  const ev = evaluate(tool, params, policyEnv(ctx));
  const status = ev.decision === 'deny' ? 'denied' : ev.decision === 'ask' ? 'pending' : 'approved';
  const item = ctx.db.transaction(() => {
    const it = st.store.insert({
      run_id: runId,
      agent_id: input.agent_id ?? null,
      subgoal_id: input.subgoal_id ?? null,
      action_class: info.action_class,
      tool_name: tool,
      risk: info.risk,
      params,
      summary: ev.summary,
      policy_decision: ev.decision,
      policy_rule: ev.rule,
      status,
      approval_reason: ev.reason,
      can_remember: ev.canRemember,
      scope_preview: ev.scope,
      requested_worker: input.requested_worker ?? null,
      decided_by: status === 'pending' ? null : 'policy',
      decision_reason: status === 'pending' ? null : ev.reason,
    });
    st.store.audit({
      action_id: it.id,
      event: 'proposed',
      actor: call.actor,
      transport: call.transport,
      reason: ev.summary,
      rule: ev.rule,
      scope_preview: ev.scope,
    });
    if (status !== 'pending')
      st.store.audit({
        action_id: it.id,
        event: status === 'denied' ? 'policy_denied' : 'auto_approved',
        actor: 'policy',
        transport: call.transport,
        reason: ev.reason,
        rule: ev.rule,
        scope_preview: ev.scope,
      });
    return it;
  })();
  emitChange(ctx, 'action', item);
  return status === 'approved' ? runApproved(ctx, item, { transport: call.transport, actor: 'policy' }) : item;
}

export async function approve(
  ctx: ServerContext,
  id: number,
  reason: string,
  remember: 'session' | 'workspace' | undefined,
  call: CallInfo,
): Promise<ActionItem> {
  const st = stateOf(ctx);
  const item = st.store.get(id);
  if (!item) throw notFound('Action', id);
  if (item.policy_decision === 'deny') {
    st.store.audit({
      action_id: id,
      event: 'approve_refused',
      actor: call.actor,
      transport: call.transport,
      reason: 'denied by policy',
      rule: item.policy_rule,
    });
    throw new AppError('forbidden', `Action ${id} was denied by policy (${item.approval_reason}); a policy deny can never be approved`);
  }
  if (item.status !== 'pending') throw conflict(notPendingMessage(id, item.status, 'approved'));
  if (remember && !item.can_remember) {
    throw new AppError('bad_request', `Action ${id} cannot be remembered: ${item.tool_name} is not ask_once (remember is only for ask_once tools)`, [
      { path: 'remember', message: 'only for ask_once tools' },
    ]);
  }
  // The policy may have changed since the proposal (a deny rule, a blocked root): deny wins, even now.
  const ev = evaluate(item.tool_name, item.params, policyEnv(ctx));
  if (ev.decision === 'deny') {
    if (st.store.decide(id, 'denied', 'policy', ev.reason)) {
      st.store.audit({
        action_id: id,
        event: 'policy_denied',
        actor: 'policy',
        transport: call.transport,
        reason: ev.reason,
        rule: ev.rule,
        scope_preview: ev.scope,
      });
      emitChange(ctx, 'action', st.store.get(id));
    }
    throw new AppError('forbidden', `Action ${id} is now denied by policy (${ev.reason}); it cannot be approved`);
  }
  const won = ctx.db.transaction(() => {
    if (!st.store.decide(id, 'approved', call.actor, reason || null)) return false;
    st.store.audit({
      action_id: id,
      event: 'approved',
      actor: call.actor,
      transport: call.transport,
      reason: reason || null,
      rule: item.policy_rule,
      scope_preview: item.scope_preview,
    });
    if (remember) {
      const key = remember === 'session' ? st.sessionKey : workspaceKey(allowedRoots(ctx).roots);
      const gid = st.store.insertGrant(item.tool_name, remember, key, ev.matchKey, item.summary, call.actor, id);
      st.store.audit({
        action_id: id,
        event: 'grant_created',
        actor: call.actor,
        transport: call.transport,
        reason: `always allow (${remember}): ${item.summary}`,
        rule: `grant:${gid}`,
      });
    }
    return true;
  })();
  if (!won) throw conflict(notPendingMessage(id, st.store.get(id)?.status, 'approved'));
  const approved = st.store.get(id)!;
  emitChange(ctx, 'action', approved);
  if (remember) emitChange(ctx, 'grant', null);
  return runApproved(ctx, approved, call);
}

export function deny(ctx: ServerContext, id: number, reason: string, call: CallInfo): ActionItem {
  const st = stateOf(ctx);
  const item = st.store.get(id);
  if (!item) throw notFound('Action', id);
  const ok = ctx.db.transaction(() => {
    if (!st.store.decide(id, 'denied', call.actor, reason || null)) return false;
    st.store.audit({
      action_id: id,
      event: 'denied',
      actor: call.actor,
      transport: call.transport,
      reason: reason || null,
      rule: item.policy_rule,
      scope_preview: item.scope_preview,
    });
    return true;
  })();
  if (!ok) throw conflict(notPendingMessage(id, st.store.get(id)?.status, 'denied'));
  const done = st.store.get(id)!;
  emitChange(ctx, 'action', done);
  return done;
}

/** What exactly will happen, for the Details view: current vs proposed text for writes, the full argv for commands. */
export async function previewOf(ctx: ServerContext, id: number) {
  const item = stateOf(ctx).store.get(id);
  if (!item) throw notFound('Action', id);
  if (item.tool_name === 'desktop_write_text') {
    const file = item.scope_preview.paths[0] ?? String(item.params.path);
    // Read through a verified descriptor: a name swapped for a link to a secret must not show the secret here.
    const env = policyEnv(ctx);
    const fh = await openFileRead(file, { roots: env.roots, blockedRoots: env.blockedRoots }, 'path', file).catch(() => null);
    let current = '';
    if (fh) {
      try {
        current = (await readUpTo(fh, 2 * 1024 * 1024)).toString('utf8');
      } finally {
        await fh.close();
      }
    }
    return { kind: 'write' as const, path: file, exists: fh !== null, current, proposed: String(item.params.content ?? '') };
  }
  if (item.scope_preview.argv) {
    return {
      kind: 'command' as const,
      argv: item.scope_preview.argv,
      executable: item.scope_preview.executable,
      cwd: item.scope_preview.cwd,
      display: displayArgv(item.scope_preview.argv),
    };
  }
  return {
    kind: 'other' as const,
    text: `${item.summary}\n\n${JSON.stringify(item.params, null, 2)}\n\nTouches: ${JSON.stringify(item.scope_preview, null, 2)}`,
  };
}
