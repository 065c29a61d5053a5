// Action jobs, server side: an action approved through the safe-actions queue with `requested_worker` runs on a
// worker the operator allowed that tool class on (per worker token, none by default). The action is committed
// `executing` first (as a local one is), then one job is queued under the key `action:<id>` (a second dispatch
// answers the same job), and the job's outcome is recorded on the action once. The worker re-checks its own
// policy; a refusal fails the job (and the action) with its reason — never retried elsewhere.
import type { CallInfo, ServerContext } from '../../context';
import type { ActionItem } from '../../protocol/actions';
import { AppError, conflict, notFound } from '../../protocol/errors';
import * as W from '../../protocol/workers';
import * as WA from '../../protocol/workersActions';
import { implement, type Implementation } from '../registry';
import type { Evaluation } from '../actions/policy';
import { emitChange } from '../actions/queue';
import { stateOf } from '../actions/state';
import { dispatch, timing, waitForJob } from './scheduler';
import { jobStore, workerStore } from './store';
import { tokenStore } from './tokens';

/** Validate an allow-list (tool names, risk classes, desktop / browser): 400 naming the entry otherwise. */
export function checkAllowList(list: readonly string[], field = 'allowed_actions'): string[] {
  const parsed = WA.AllowList.safeParse(list);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: [field, ...i.path.map(String)].join('.'), message: i.message }));
    throw new AppError('bad_request', `Invalid params: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return [...new Set(parsed.data)];
}

/** Why no worker may run this action now, or null when one may. */
function refusal(ctx: ServerContext, tool: string, requested: string): string | null {
  const tokens = tokenStore(ctx.db);
  const named = workerStore(ctx.db)
    .live(timing(ctx))
    .filter((w) => requested === 'any' || w.name === requested);
  const where = requested === 'any' ? 'any live worker' : `worker '${requested}'`;
  if (!named.length) return `no live worker${requested === 'any' ? '' : ` named '${requested}'`} to run it`;
  const allowed = named.filter((w) => w.token_id !== null && WA.toolAllowedBy(tool, tokens.get(w.token_id)?.allowed_actions ?? []));
  if (!allowed.length) {
    const lists = named.map((w) => (w.token_id === null ? [] : (tokens.get(w.token_id)?.allowed_actions ?? []))).flat();
    return `${tool} is not allowed on ${where} (the operator allows ${lists.length ? [...new Set(lists)].join(', ') : 'no action tools'} there; Workers panel → token → allowed actions)`;
  }
  if (!allowed.some((w) => w.capabilities.includes('action'))) return `${where} does not take action jobs (start it with --allow-actions ${tool})`;
  return null;
}

/**
 * Run an approved action (policy re-checked by the caller: not a deny) on a worker, and record its outcome on
 * the action. Called by the actions queue instead of running it here.
 */
export async function runActionOnWorker(ctx: ServerContext, item: ActionItem, ev: Evaluation, call: CallInfo): Promise<ActionItem> {
  const st = stateOf(ctx);
  const requested = item.requested_worker ?? 'any';
  const started = ctx.db.transaction(() => {
    const at = st.store.start(item.id);
    if (at)
      st.store.audit({
        action_id: item.id,
        event: 'executing',
        actor: call.actor,
        transport: call.transport,
        reason: `on worker ${requested}`,
        rule: ev.rule,
      });
    return at;
  })();
  if (!started) throw conflict(`Action ${item.id} is already ${st.store.get(item.id)?.status}; it runs at most once`);
  emitChange(ctx, 'action', st.store.get(item.id));

  const refused = refusal(ctx, item.tool_name, requested);
  if (refused) return recordOutcome(ctx, item, started, null, `Refused: ${refused}`, call.transport, ev.rule);
  const job = dispatch(ctx, {
    job_type: 'action',
    payload: { action_id: item.id, tool_name: item.tool_name, params: item.params, worker: requested },
    priority: 7,
    worker_only: true,
    idempotency_key: actionKey(item.id),
    ref: actionKey(item.id),
  });
  return recordOutcome(ctx, item, started, await waitForJob(ctx, job.id), null, call.transport, ev.rule);
}

const actionKey = (id: number) => `action:${id}`;

/** Record the worker job's outcome (or a refusal) on the action, once: only an action still `executing` is finished. */
function recordOutcome(
  ctx: ServerContext,
  item: ActionItem,
  started: Date,
  done: W.Job | null,
  refusedWith: string | null,
  transport: string,
  rule: string | null,
): ActionItem {
  const st = stateOf(ctx);
  let ok = false;
  let result: unknown = null;
  let error: string | null = refusedWith;
  let actor = 'server';
  if (done) {
    actor = done.ran_on ?? (done.worker_name ? `worker:${done.worker_name}` : 'server');
    const out = (done.result ?? null) as { ok?: boolean; result?: unknown; error?: string } | null;
    if (done.state === 'succeeded' && out) {
      ok = out.ok === true;
      result = out.result ?? null;
      error = ok ? null : (out.error ?? 'the action failed on the worker');
    } else error = done.error ?? `the worker job ended ${done.state}`;
  }
  if (st.store.finish(item.id, ok, started, result, error)) {
    st.store.audit({
      action_id: item.id,
      event: ok ? 'executed' : 'failed',
      actor,
      transport,
      reason: error,
      rule,
      scope_preview: item.scope_preview,
    });
    emitChange(ctx, 'action', st.store.get(item.id));
  }
  return st.store.get(item.id)!;
}

/**
 * Is this `executing` action running as a worker job the restart does not end? Start-up recovery leaves such an
 * action executing (not interrupted): the job's lease survives the restart, the worker reports its result under
 * the idempotency key, and `resumeWorkerActions` records that real outcome on the action.
 */
export function runsOnWorker(ctx: ServerContext, actionId: number): boolean {
  return jobStore(ctx.db).byKey(actionKey(actionId)) !== undefined;
}

/**
 * After a restart: wait again for the worker job of each action left executing (or take the outcome a job
 * reached while the previous process was stopping), and record it on the action once.
 */
export function resumeWorkerActions(ctx: ServerContext): number {
  const st = stateOf(ctx);
  let n = 0;
  for (const item of st.store.unfinished()) {
    if (item.status !== 'executing') continue;
    const row = jobStore(ctx.db).byKey(actionKey(item.id));
    if (!row) continue;
    n++;
    const started = new Date(item.started_at ?? Date.now());
    st.store.audit({
      action_id: item.id,
      event: 'resumed',
      actor: 'server',
      transport: 'startup',
      reason: `the server restarted while job ${row.id} ran this action on a worker; its result is recorded when the worker reports it`,
      rule: null,
    });
    waitForJob(ctx, row.id).then(
      (done) => recordOutcome(ctx, item, started, done, null, 'worker', null),
      (err: unknown) => ctx.log.error(`workers: action ${item.id}: waiting for job ${row.id} failed`, err),
    );
  }
  if (n) ctx.log.info(`workers: ${n} action(s) running on a worker across the restart: their results will be recorded when reported`);
  return n;
}

export const workersActionsServices: readonly Implementation[] = [
  implement(WA.setAllowedActions, (p, ctx, call) => {
    const tokens = tokenStore(ctx.db);
    const t = tokens.get(p.id);
    if (!t) throw notFound('Worker token', p.id);
    if (t.revoked_at) throw conflict(`Worker token ${p.id} is revoked`);
    const list = checkAllowList(p.allowed_actions);
    tokens.setAllowed(p.id, list);
    ctx.log.info(`worker token #${p.id} '${t.name}': action tools allowed set to [${list.join(', ')}] by ${call.actor}`);
    ctx.events.emit(W.didChange, { reason: 'token_actions', job_id: null, worker_id: null });
    return tokens.get(p.id)!;
  }),
  implement(WA.startJob, (p, ctx, call) => {
    const row = jobStore(ctx.db).row(p.id);
    if (!row) throw notFound('Job', p.id);
    const c = call.credential;
    const w = row.worker_id === null ? undefined : workerStore(ctx.db).row(row.worker_id);
    if (c?.kind === 'worker' && w && w.token_id !== c.tokenId) throw new AppError('forbidden', `Job ${p.id} is not leased to a worker of this token`);
    if (row.job_type !== 'action') throw conflict(`Job ${p.id} is a ${row.job_type} job: only action jobs are started explicitly`);
    if (!jobStore(ctx.db).markStarted(p.id, p.lease_id))
      throw conflict(`Job ${p.id} cannot start: it is no longer under this lease (it is ${row.state}); do not run it`);
    ctx.events.emit(W.didChange, { reason: 'action_started', job_id: p.id, worker_id: row.worker_id });
    return { accepted: true, idempotency_key: row.idempotency_key };
  }),
];
