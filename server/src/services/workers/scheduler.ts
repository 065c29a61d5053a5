// The job scheduler: leases, long-poll claims, heartbeats, expiry and the local fallback. Semantics of a proven
// job system (Temporal activities): delivery is at-least-once (a job may be handed out again after its lease
// expires), made exactly-once in effect by the conditional completion — only the holder of the current, unexpired
// lease can finish a job, and a local run takes the job over with its own lease id.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { ServerContext } from '../../context';
import { AppError, badInput, conflict, notFound } from '../../protocol/errors';
import * as W from '../../protocol/workers';
import { executeJob, RESULTS } from './execute';
import { localModels } from './inner';
import { jobStore, workerStore, type JobRow, type Timing } from './store';
import { tokenStore } from './tokens';
import { allowedToolNames } from '../../protocol/workersActions';

interface Waiter {
  workerId: number;
  max: number;
  resolve: (jobs: W.ClaimedJob[]) => void;
  timer: NodeJS.Timeout;
}
interface State {
  waiters: Set<Waiter>;
  local: Map<number, AbortController>;
  listeners: Map<number, Set<(job: W.Job) => void>>;
  sweep?: NodeJS.Timeout;
  stopped: boolean;
}
const states = new WeakMap<ServerContext, State>();
function stateOf(ctx: ServerContext): State {
  let s = states.get(ctx);
  if (!s) states.set(ctx, (s = { waiters: new Set(), local: new Map(), listeners: new Map(), stopped: false }));
  return s;
}

export function timing(ctx: ServerContext): Timing {
  return { leaseMs: ctx.config['workers.leaseSeconds'] * 1000, heartbeatMs: ctx.config['workers.heartbeatSeconds'] * 1000 };
}
const changed = (ctx: ServerContext, reason: string, job_id: number | null = null, worker_id: number | null = null) =>
  ctx.events.emit(W.didChange, { reason, job_id, worker_id });

// ---------- finishing and waiting ----------

function finished(ctx: ServerContext, id: number, reason: string): void {
  changed(ctx, reason, id);
  const ls = stateOf(ctx).listeners.get(id);
  if (!ls) return;
  stateOf(ctx).listeners.delete(id);
  const job = jobStore(ctx.db).get(id)!;
  for (const l of ls) l(job);
}

/** Resolves with the job once it is finished (succeeded, failed or cancelled). */
export function waitForJob(ctx: ServerContext, id: number): Promise<W.Job> {
  const job = jobStore(ctx.db).get(id);
  if (!job) return Promise.reject(notFound('Job', id));
  if (['succeeded', 'failed', 'cancelled'].includes(job.state)) return Promise.resolve(job);
  const s = stateOf(ctx);
  return new Promise((resolve) => {
    let set = s.listeners.get(id);
    if (!set) s.listeners.set(id, (set = new Set()));
    set.add(resolve);
  });
}

// ---------- the local fallback ----------

/** Run the job here, for real, under a local lease id (a worker's late result is refused: its lease is gone). */
function takeLocal(ctx: ServerContext, row: JobRow, reason: string): void {
  if (row.job_type === 'action' && row.started_ms !== null) {
    // Its side effect may have happened on the worker: an action never runs twice, so it is not handed out again.
    const why = `${reason}, after the action started on the worker: the outcome is unknown and it is not run again`;
    if (jobStore(ctx.db).failFrom(row.id, { state: row.state, leaseId: row.lease_id }, why)) finished(ctx, row.id, 'failed');
    return;
  }
  if (row.worker_only || row.job_type === 'action') {
    // Worker-only jobs (and every action job) never run here: retry on a worker while retries remain, else fail.
    if (row.state === 'leased' && row.lease_id && row.attempts <= row.max_retries && jobStore(ctx.db).requeue(row.id, row.lease_id, reason)) {
      changed(ctx, 'requeued', row.id);
      kick(ctx);
      return;
    }
    if (jobStore(ctx.db).failFrom(row.id, { state: row.state, leaseId: row.lease_id }, `worker-only job: ${reason}`)) finished(ctx, row.id, 'failed');
    return;
  }
  const lease = `local:${randomUUID()}`;
  if (!jobStore(ctx.db).toLocal(row.id, { state: row.state, leaseId: row.lease_id }, lease, reason)) return;
  ctx.log.info(`workers: job ${row.id} (${row.job_type}) runs locally: ${reason}`);
  changed(ctx, 'fallback_local', row.id);
  runLocal(ctx, row.id, lease, row.job_type, JSON.parse(row.payload_json));
}

function runLocal(ctx: ServerContext, id: number, lease: string, type: W.JobType, payload: unknown): void {
  const s = stateOf(ctx);
  const ac = new AbortController();
  s.local.set(id, ac);
  const settle = (outcome: { result: unknown } | { error: string }) => {
    s.local.delete(id);
    if (s.stopped) return; // the database is closing: the start-up pass re-runs it
    if (jobStore(ctx.db).finishLocal(id, lease, outcome)) finished(ctx, id, 'result' in outcome ? 'succeeded' : 'failed');
  };
  executeJob(type, payload, localModels(ctx), ac.signal).then(
    (result) => settle({ result }),
    (err: unknown) => settle({ error: (err as Error)?.message ?? String(err) }),
  );
}

// ---------- claiming ----------

function allowedActions(ctx: ServerContext, tokenId: number | null): string[] {
  return tokenId === null ? [] : (tokenStore(ctx.db).get(tokenId)?.allowed_actions ?? []);
}

/** Lease up to `max` jobs to this worker (within its free slots), in one transaction. */
function tryClaim(ctx: ServerContext, workerId: number, max: number): W.ClaimedJob[] {
  const w = workerStore(ctx.db).row(workerId);
  if (!w || w.offline_reason) return [];
  const jobs = jobStore(ctx.db);
  const t = timing(ctx);
  return ctx.db.transaction(() => {
    const free = Math.min(max, w.concurrency - jobs.leasedCount(workerId));
    if (free <= 0) return [];
    const out: W.ClaimedJob[] = [];
    const deadline = Date.now() + t.leaseMs;
    const tools = allowedToolNames(allowedActions(ctx, w.token_id));
    for (const r of jobs.claimable(JSON.parse(w.capabilities_json) as string[], tools, w.name, free)) {
      const lease = randomUUID();
      if (!jobs.lease(r.id, workerId, lease, deadline)) continue;
      out.push({
        id: r.id,
        job_type: r.job_type,
        payload: JSON.parse(r.payload_json) as Record<string, unknown>,
        lease_id: lease,
        lease_deadline: new Date(deadline).toISOString(),
        attempt: r.attempts + 1,
      });
    }
    return out;
  })();
}

/** Offer queued jobs to waiting workers, least loaded first (the queue itself is ordered by priority). */
export function kick(ctx: ServerContext): void {
  const s = stateOf(ctx);
  if (s.waiters.size === 0) return;
  const jobs = jobStore(ctx.db);
  // One job dispatched while four workers wait: the first takes it; the others must not each run a claim
  // transaction over an empty queue (the herd cost as much as the dispatch itself under load).
  if (!jobs.anyQueued()) return;
  const order = [...s.waiters].map((w) => ({ w, load: jobs.leasedCount(w.workerId) })).sort((a, b) => a.load - b.load);
  for (const { w } of order) {
    if (!jobs.anyQueued()) return;
    const got = tryClaim(ctx, w.workerId, w.max);
    if (got.length === 0) continue;
    clearTimeout(w.timer);
    s.waiters.delete(w);
    w.resolve(got);
    for (const j of got) changed(ctx, 'claimed', j.id, w.workerId);
  }
}

export function claim(ctx: ServerContext, workerId: number, max: number, waitSeconds: number | undefined): Promise<W.ClaimedJob[]> {
  const workers = workerStore(ctx.db);
  if (!workers.row(workerId)) throw notFound('Worker', workerId);
  workers.heartbeat(workerId, 'polling', null); // a poll is a sign of life
  const now = tryClaim(ctx, workerId, max);
  for (const j of now) changed(ctx, 'claimed', j.id, workerId);
  const wait = Math.min(waitSeconds ?? ctx.config['workers.claimWaitSeconds'], ctx.config['workers.claimWaitSeconds']);
  const s = stateOf(ctx);
  if (now.length || wait <= 0 || s.stopped) return Promise.resolve(now);
  return new Promise((resolve) => {
    const waiter: Waiter = {
      workerId,
      max,
      resolve,
      timer: setTimeout(() => {
        s.waiters.delete(waiter);
        resolve([]);
      }, wait * 1000),
    };
    s.waiters.add(waiter);
  });
}

function releaseWaiters(ctx: ServerContext, workerId: number | null): void {
  const s = stateOf(ctx);
  for (const w of [...s.waiters])
    if (workerId === null || w.workerId === workerId) {
      clearTimeout(w.timer);
      s.waiters.delete(w);
      w.resolve([]);
    }
}

// ---------- dispatch ----------

function capableLive(ctx: ServerContext, type: W.JobType): W.Worker[] {
  return workerStore(ctx.db)
    .live(timing(ctx))
    .filter((w) => w.capabilities.includes(type));
}

/** Is there a live worker that can take a job of this type now (with a free slot, if asked)? */
export function workerAvailable(ctx: ServerContext, type: W.JobType, needFreeSlot: boolean): boolean {
  return capableLive(ctx, type).some((w) => !needFreeSlot || w.load < w.concurrency);
}

export function dispatch(ctx: ServerContext, p: z.output<typeof W.DispatchParams>): W.Job {
  const payload = W.PAYLOADS[p.job_type].safeParse(p.payload);
  if (!payload.success) {
    const e = badInput(payload.error, 'payload');
    throw new AppError(
      'bad_request',
      e.message.replace(/^Invalid payload: /, 'Invalid params: payload.'),
      e.issues?.map((i) => ({ ...i, path: `payload${i.path ? '.' + i.path : ''}` })),
    );
  }
  const jobs = jobStore(ctx.db);
  if (p.idempotency_key) {
    const prior = jobs.byKey(p.idempotency_key);
    if (prior) return jobs.toJob(prior);
  }
  const id = jobs.insert({
    type: p.job_type,
    payload: payload.data,
    priority: p.priority,
    key: p.idempotency_key ?? null,
    workerOnly: p.worker_only || p.job_type === 'action',
    ref: p.ref ?? null,
    maxRetries: p.max_retries ?? ctx.config['workers.maxRetries'],
  });
  changed(ctx, 'dispatched', id);
  kick(ctx);
  const row = jobs.row(id)!;
  if (row.state !== 'queued' || workerStore(ctx.db).anyLiveWith(p.job_type, timing(ctx))) return jobs.toJob(row);
  takeLocal(ctx, row, `no live worker with the capability '${p.job_type}'`);
  return jobs.get(id)!;
}

// ---------- what workers report ----------

/** `read`: the job's row as the caller just read it in this same synchronous call (saves reading it again). */
export function complete(ctx: ServerContext, id: number, leaseId: string, result: unknown, ranOn: string, key?: string, read?: JobRow) {
  const jobs = jobStore(ctx.db);
  const row = read ?? jobs.row(id);
  if (!row) throw notFound('Job', id);
  if (key !== undefined && row.idempotency_key !== key)
    throw conflict(
      `Result for job ${id} refused: its idempotency key is ${row.idempotency_key === null ? 'unset' : `'${row.idempotency_key}'`}, not '${key}'`,
    );
  if (row.state === 'succeeded' && row.lease_id === leaseId) return { accepted: true, duplicate: true, state: row.state };
  const parsed = RESULTS[row.job_type].safeParse(result);
  if (!parsed.success) throw badInput(parsed.error, 'result');
  if (jobs.completeLeased(id, leaseId, parsed.data, ranOn)) {
    finished(ctx, id, 'succeeded');
    return { accepted: true, duplicate: false, state: 'succeeded' as const };
  }
  const why =
    row.lease_id !== leaseId
      ? `the job is no longer under this lease (it is ${row.state}${row.used_fallback_local ? ', taken over locally' : ''})`
      : row.state === 'leased'
        ? 'the lease expired before the result arrived'
        : `the job is ${row.state}`;
  throw conflict(`Result for job ${id} refused: ${why}. Exactly one result counts; the job may have run elsewhere.`);
}

export function fail(ctx: ServerContext, id: number, leaseId: string, error: string, retryable: boolean) {
  const jobs = jobStore(ctx.db);
  const row = jobs.row(id);
  if (!row) throw notFound('Job', id);
  if (row.state !== 'leased' || row.lease_id !== leaseId || (row.lease_deadline_ms ?? 0) < Date.now())
    throw conflict(`Failure report for job ${id} refused: the job is no longer under this lease (it is ${row.state})`);
  if (row.job_type === 'action') {
    // An action job fails with the worker's reason (its own policy refused it, or the tool failed to start): it is
    // never retried on another machine behind the operator's back.
    const name = row.worker_id === null ? '?' : (workerStore(ctx.db).row(row.worker_id)?.name ?? row.worker_id);
    if (jobs.failFrom(id, { state: 'leased', leaseId }, `worker '${name}': ${error}`)) finished(ctx, id, 'failed');
    return { accepted: true, state: jobs.row(id)!.state };
  }
  if (retryable && row.attempts <= row.max_retries && jobs.requeue(id, leaseId, error)) {
    changed(ctx, 'requeued', id);
    kick(ctx);
    if (!workerStore(ctx.db).anyLiveWith(row.job_type, timing(ctx)))
      takeLocal(ctx, jobs.row(id)!, `no live worker with the capability '${row.job_type}' after a failure`);
    return { accepted: true, state: jobs.row(id)!.state };
  }
  takeLocal(ctx, row, `worker failed (${error.slice(0, 200)})${retryable ? ', retries used up' : ''}`);
  return { accepted: true, state: jobs.row(id)!.state };
}

/** End the leases a worker holds now (revoked, goodbye): their jobs run elsewhere at once. */
export function endLeasesOf(ctx: ServerContext, workerId: number, reason: string): void {
  releaseWaiters(ctx, workerId);
  for (const row of jobStore(ctx.db).leasedBy(workerId)) takeLocalOrRequeue(ctx, row, reason);
}

/** A lease that ended without a result: another live worker may take it (requeue), else it runs here. */
function takeLocalOrRequeue(ctx: ServerContext, row: JobRow, reason: string): void {
  const others = capableLive(ctx, row.job_type).filter((w) => w.id !== row.worker_id);
  if (others.length && row.attempts <= row.max_retries && row.lease_id && jobStore(ctx.db).requeue(row.id, row.lease_id, reason)) {
    changed(ctx, 'requeued', row.id);
    kick(ctx);
    return;
  }
  takeLocal(ctx, row, reason);
}

export function cancel(ctx: ServerContext, id: number): W.Job {
  const jobs = jobStore(ctx.db);
  const row = jobs.row(id);
  if (!row) throw notFound('Job', id);
  if (['succeeded', 'failed', 'cancelled'].includes(row.state)) throw conflict(`Job ${id} already ${row.state}`);
  if (jobs.failFrom(id, { state: row.state, leaseId: row.lease_id }, 'cancelled', 'cancelled')) {
    stateOf(ctx).local.get(id)?.abort();
    finished(ctx, id, 'cancelled');
  }
  return jobs.get(id)!;
}

// ---------- the sweep: expired leases, queued jobs nobody can take ----------

export function sweep(ctx: ServerContext): void {
  const jobs = jobStore(ctx.db);
  const t = timing(ctx);
  const now = Date.now();
  for (const row of jobs.expiredLeases(now)) {
    const w = row.worker_id === null ? undefined : workerStore(ctx.db).row(row.worker_id);
    const silent = w ? ` (no heartbeat for ${((now - w.last_heartbeat_ms) / 1000).toFixed(1)} s)` : '';
    takeLocalOrRequeue(ctx, row, `lease expired on worker '${w?.name ?? row.worker_id}'${silent}`);
  }
  // Action jobs that started on a worker that then went silent: fail once the action's own time limit is over too.
  const limit = Math.max(t.leaseMs, ctx.config['actions.commandTimeoutSeconds'] * 1000);
  for (const row of jobs.silentStarted(now - limit)) {
    const w = row.worker_id === null ? undefined : workerStore(ctx.db).row(row.worker_id);
    takeLocal(ctx, row, `worker '${w?.name ?? row.worker_id}' went silent`);
  }
  // Ids and types only: under load the queue is deep and every one of its first 200 jobs usually has a live worker;
  // reading 200 whole rows twice a second for nothing was a few ms on the event loop each time.
  const queued = jobs.queuedHeads(200);
  if (queued.length) {
    const live = workerStore(ctx.db).live(t);
    for (const q of queued) {
      if (live.some((w) => w.capabilities.includes(q.job_type))) continue;
      const row = jobs.row(q.id);
      if (row?.state === 'queued') takeLocal(ctx, row, `no live worker with the capability '${row.job_type}'`);
    }
  }
}

export function startScheduler(ctx: ServerContext): void {
  const s = stateOf(ctx);
  s.stopped = false;
  let graced = false;
  const tick = () => {
    if (s.stopped) return;
    try {
      // No lease can be renewed before the HTTP API listens: expire nothing until then. Leases held before the
      // restart (the workers could not renew them while we were down) then get one fresh lease to be renewed.
      if (!graced) {
        if (ctx.config['server.httpEnabled'] && !ctx.http.url && !ctx.http.error) return void (s.sweep = setTimeout(tick, 50));
        graced = true;
        const n = jobStore(ctx.db).graceLeases(Date.now() + timing(ctx).leaseMs);
        if (n) ctx.log.info(`workers: ${n} lease(s) held before the restart get one lease to be renewed`);
        // Local runs cut short by the restart run again (their result counts once). Only the serving process
        // does this: a CLI that opens the same data dir (doctor) never starts HTTP, so it never gets here.
        for (const row of jobStore(ctx.db).runningLocal()) runLocal(ctx, row.id, row.lease_id!, row.job_type, JSON.parse(row.payload_json));
      }
      sweep(ctx);
    } catch (err) {
      ctx.log.error('workers: sweep failed', err);
    }
    s.sweep = setTimeout(tick, Math.max(50, Math.min(1000, timing(ctx).heartbeatMs / 2)));
  };
  tick();
}

export function stopScheduler(ctx: ServerContext): void {
  const s = stateOf(ctx);
  s.stopped = true;
  clearTimeout(s.sweep);
  releaseWaiters(ctx, null);
  for (const ac of s.local.values()) ac.abort();
}
