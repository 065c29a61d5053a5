// Workers area: operator methods (workers, jobs, dispatch, tokens) and worker methods (register, heartbeat,
// claim, report), plus the runtime that sweeps expired leases. A worker token may act only for the workers it
// registered (`workers.token_id`).
import type { CallInfo, ServerContext } from '../../context';
import { AppError, notFound } from '../../protocol/errors';
import * as W from '../../protocol/workers';
import type { AreaRuntime } from '../../runtime';
import { implement, type Implementation } from '../registry';
import { cancel, claim, complete, dispatch, endLeasesOf, fail, kick, startScheduler, stopScheduler, timing } from './scheduler';
import { jobStore, workerStore } from './store';
import { certificateFingerprint } from './tls';
import { tokenStore, workerCommandLine } from './tokens';
import { checkAllowList, resumeWorkerActions } from './actionJobs';

/** The worker this call may act for: the operator may act for any; a worker token only for its own workers. */
function ownWorker(ctx: ServerContext, call: CallInfo, workerId: number) {
  const w = workerStore(ctx.db).row(workerId);
  if (!w) throw notFound('Worker', workerId);
  const c = call.credential;
  if (c?.kind === 'worker' && w.token_id !== c.tokenId)
    throw new AppError('forbidden', `Worker ${workerId} was registered with another worker token`);
  return w;
}
/** The job row (and the row of the worker that holds it, if any) — read once, handed on to the scheduler. */
function ownJob(ctx: ServerContext, call: CallInfo, jobId: number) {
  const row = jobStore(ctx.db).row(jobId);
  if (!row) throw notFound('Job', jobId);
  const w = row.worker_id === null ? undefined : workerStore(ctx.db).row(row.worker_id);
  const c = call.credential;
  if (c?.kind === 'worker' && w && w.token_id !== c.tokenId) throw new AppError('forbidden', `Job ${jobId} is not leased to a worker of this token`);
  return { row, worker: w };
}
const timingOut = (ctx: ServerContext) => ({
  lease_seconds: ctx.config['workers.leaseSeconds'],
  heartbeat_seconds: ctx.config['workers.heartbeatSeconds'],
  claim_wait_seconds: ctx.config['workers.claimWaitSeconds'],
});

export const workersServices: readonly Implementation[] = [
  implement(W.list, (_p, ctx) => ({
    items: workerStore(ctx.db).list(timing(ctx)),
    lease_seconds: ctx.config['workers.leaseSeconds'],
    heartbeat_seconds: ctx.config['workers.heartbeatSeconds'],
  })),
  implement(W.dispatch, (p, ctx) => {
    if (p.job_type === 'action')
      throw new AppError(
        'bad_request',
        'Invalid params: job_type: action jobs are dispatched by the safe-actions queue after approval: propose the action (POST /api/actions) with requested_worker',
        [{ path: 'job_type', message: 'action jobs come from the actions queue' }],
      );
    return dispatch(ctx, p);
  }),
  implement(W.job, (p, ctx) => {
    const j = jobStore(ctx.db).get(p.id);
    if (!j) throw notFound('Job', p.id);
    return j;
  }),
  implement(W.jobs, (p, ctx) => jobStore(ctx.db).list(p.state, p.limit, p.offset)),
  implement(W.cancelJob, (p, ctx) => cancel(ctx, p.id)),
  implement(W.tokens, (_p, ctx) => ({ items: tokenStore(ctx.db).list() })),
  implement(W.createToken, (p, ctx, call) => {
    const { item, token } = tokenStore(ctx.db).create(p.name, checkAllowList(p.allowed_actions));
    ctx.log.info(`worker token #${item.id} '${item.name}' issued by ${call.actor}`);
    // Behind HTTPS (a non-loopback bind), the worker pins this certificate's fingerprint.
    const fingerprint = ctx.http.url?.startsWith('https:') ? certificateFingerprint(ctx.config.dataDir) : null;
    const apiUrl = ctx.http.url?.startsWith('https:') ? ctx.config['server.apiUrl'].replace(/^http:/, 'https:') : ctx.config['server.apiUrl'];
    return { id: item.id, token, fingerprint, item, command: workerCommandLine(apiUrl, fingerprint) };
  }),
  implement(W.revokeToken, (p, ctx, call) => {
    const tokens = tokenStore(ctx.db);
    if (!tokens.get(p.id)) throw notFound('Worker token', p.id);
    tokens.revoke(p.id);
    for (const wid of workerStore(ctx.db).byToken(p.id)) {
      workerStore(ctx.db).setOffline(wid, 'worker token revoked');
      endLeasesOf(ctx, wid, 'worker token revoked');
    }
    ctx.log.info(`worker token #${p.id} revoked by ${call.actor}`);
    return tokens.get(p.id)!;
  }),
  implement(W.register, (p, ctx, call) => {
    const c = call.credential;
    const tokenId = c?.kind === 'worker' ? c.tokenId : null;
    const id = workerStore(ctx.db).register({
      id: p.worker_id,
      tokenId,
      name: p.name,
      url: p.url ?? null,
      capabilities: p.capabilities,
      concurrency: p.concurrency,
      version: p.version ?? null,
      skew: p.clock_ms === undefined ? null : Math.round(p.clock_ms - Date.now()),
    });
    ctx.events.emit(W.didChange, { reason: 'registered', job_id: null, worker_id: id });
    kick(ctx);
    return {
      worker: workerStore(ctx.db).get(id, timing(ctx))!,
      allowed_actions: tokenId === null ? [] : (tokenStore(ctx.db).get(tokenId)?.allowed_actions ?? []),
      ...timingOut(ctx),
    };
  }),
  implement(W.heartbeat, (p, ctx, call) => {
    const w = ownWorker(ctx, call, p.worker_id);
    const workers = workerStore(ctx.db);
    const before = workers.get(w.id, timing(ctx))!.state;
    workers.heartbeat(w.id, p.status, p.clock_ms === undefined ? null : Math.round(p.clock_ms - Date.now()));
    const deadline = Date.now() + timing(ctx).leaseMs;
    const drop = p.running.filter((r) => !jobStore(ctx.db).extend(r.id, w.id, r.lease_id, deadline)).map((r) => r.id);
    const worker = workers.get(w.id, timing(ctx))!;
    if (before !== worker.state) ctx.events.emit(W.didChange, { reason: 'worker_state', job_id: null, worker_id: w.id });
    return { worker, drop };
  }),
  implement(W.claim, async (p, ctx, call) => {
    ownWorker(ctx, call, p.worker_id);
    return { jobs: await claim(ctx, p.worker_id, p.max, p.wait_seconds) };
  }),
  implement(W.complete, (p, ctx, call) => {
    const { row, worker } = ownJob(ctx, call, p.id);
    return complete(ctx, p.id, p.lease_id, p.result, `worker:${worker?.name ?? row.worker_id ?? '?'}`, p.idempotency_key, row);
  }),
  implement(W.fail, (p, ctx, call) => {
    ownJob(ctx, call, p.id);
    return fail(ctx, p.id, p.lease_id, p.error, p.retryable);
  }),
  implement(W.goodbye, (p, ctx, call) => {
    const w = ownWorker(ctx, call, p.worker_id);
    workerStore(ctx.db).setOffline(w.id, 'stopped by the worker');
    endLeasesOf(ctx, w.id, `worker '${w.name}' stopped`);
    ctx.events.emit(W.didChange, { reason: 'worker_state', job_id: null, worker_id: w.id });
    return { worker: workerStore(ctx.db).get(w.id, timing(ctx))! };
  }),
];

export const workersRuntime: AreaRuntime = {
  name: 'workers',
  start: (ctx) => {
    resumeWorkerActions(ctx); // before the scheduler's first sweep can finish their jobs
    startScheduler(ctx);
  },
  stop: (ctx) => stopScheduler(ctx),
};
export { withWorkerRouting } from './routing';
export { workersActionsServices } from './actionJobs';
