// All SQL of the workers area: workers (heartbeats, state) and jobs (queue, leases, results). Every state change
// is one conditional UPDATE (`… WHERE state = ? AND lease_id = ?`): 0 rows changed means someone else won, which is
// what makes a job's completion count exactly once.
import type { Db } from '../../store/db';
import { prep } from './prep';
import type { Job, JobState, JobType, Worker, WorkerState } from '../../protocol/workers';

export interface Timing {
  leaseMs: number;
  heartbeatMs: number;
}

interface WorkerRow {
  id: number;
  token_id: number | null;
  name: string;
  url: string | null;
  capabilities_json: string;
  concurrency: number;
  status: string;
  version: string | null;
  clock_skew_ms: number | null;
  registered_at: string;
  last_heartbeat_ms: number;
  offline_reason: string | null;
}

export interface JobRow {
  id: number;
  job_type: JobType;
  payload_json: string;
  priority: number;
  idempotency_key: string | null;
  state: JobState;
  worker_only: number;
  ref: string | null;
  worker_id: number | null;
  lease_id: string | null;
  lease_deadline_ms: number | null;
  attempts: number;
  max_retries: number;
  used_fallback_local: number;
  fallback_reason: string | null;
  ran_on: string | null;
  result_json: string | null;
  error: string | null;
  created_at: string;
  created_ms: number;
  claimed_ms: number | null;
  finished_ms: number | null;
  /** An action job's side effect started on its worker (migration 71): never handed out again. */
  started_ms: number | null;
  /** When the job first started running, over all its attempts (migration 72). */
  first_started_ms: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** live: heard from within two heartbeats; stale: within the lease (or three heartbeats); offline: beyond that. */
export function workerState(r: Pick<WorkerRow, 'last_heartbeat_ms' | 'offline_reason'>, t: Timing, now = Date.now()): WorkerState {
  if (r.offline_reason) return 'offline';
  const age = now - r.last_heartbeat_ms;
  if (age <= 2 * t.heartbeatMs) return 'live';
  if (age <= Math.max(t.leaseMs, 3 * t.heartbeatMs)) return 'stale';
  return 'offline';
}

export function workerStore(db: Db) {
  const jobsOf = prep(db, "SELECT id FROM worker_jobs WHERE worker_id = ? AND state = 'leased' ORDER BY id");
  const toWorker = (r: WorkerRow, t: Timing, now = Date.now()): Worker => {
    const current = (jobsOf.all(r.id) as { id: number }[]).map((j) => j.id);
    return {
      id: r.id,
      name: r.name,
      url: r.url,
      capabilities: JSON.parse(r.capabilities_json) as string[],
      concurrency: r.concurrency,
      status: r.status,
      state: workerState(r, t, now),
      load: current.length,
      current_jobs: current,
      version: r.version,
      clock_skew_ms: r.clock_skew_ms,
      token_id: r.token_id,
      registered_at: r.registered_at,
      last_heartbeat_at: new Date(r.last_heartbeat_ms).toISOString(),
      offline_reason: r.offline_reason,
    };
  };
  return {
    row(id: number): WorkerRow | undefined {
      return prep(db, 'SELECT * FROM workers WHERE id = ?').get(id) as WorkerRow | undefined;
    },
    get(id: number, t: Timing): Worker | undefined {
      const r = this.row(id);
      return r && toWorker(r, t);
    },
    list(t: Timing): Worker[] {
      const now = Date.now();
      return (prep(db, 'SELECT * FROM workers ORDER BY id DESC LIMIT 500').all() as WorkerRow[]).map((r) => toWorker(r, t, now));
    },
    /** Is a worker with this capability live? One query (dispatch asks it for every job). */
    anyLiveWith(capability: string, t: Timing): boolean {
      const since = Date.now() - 2 * t.heartbeatMs;
      return (
        prep(
          db,
          `SELECT 1 FROM workers WHERE last_heartbeat_ms >= ? AND offline_reason IS NULL
             AND EXISTS (SELECT 1 FROM json_each(capabilities_json) WHERE value = ?) LIMIT 1`,
        ).get(since, capability) !== undefined
      );
    },
    /** Workers heard from recently enough to be live, with their load. */
    live(t: Timing): Worker[] {
      const since = Date.now() - 2 * t.heartbeatMs;
      return (prep(db, 'SELECT * FROM workers WHERE last_heartbeat_ms >= ? AND offline_reason IS NULL').all(since) as WorkerRow[]).map((r) =>
        toWorker(r, t),
      );
    },
    register(p: {
      id?: number;
      tokenId: number | null;
      name: string;
      url: string | null;
      capabilities: string[];
      concurrency: number;
      version: string | null;
      skew: number | null;
    }): number {
      const now = Date.now();
      if (p.id !== undefined) {
        const changed = prep(
          db,
          `UPDATE workers SET name = ?, url = ?, capabilities_json = ?, concurrency = ?, version = ?, clock_skew_ms = ?, last_heartbeat_ms = ?,
               offline_reason = NULL, status = 'idle' WHERE id = ? AND token_id IS ?`,
        ).run(p.name, p.url, JSON.stringify(p.capabilities), p.concurrency, p.version, p.skew, now, p.id, p.tokenId).changes;
        if (changed) return p.id;
      }
      return Number(
        prep(
          db,
          `INSERT INTO workers (token_id, name, url, capabilities_json, concurrency, version, clock_skew_ms, registered_at, last_heartbeat_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(p.tokenId, p.name, p.url, JSON.stringify(p.capabilities), p.concurrency, p.version, p.skew, new Date(now).toISOString(), now)
          .lastInsertRowid,
      );
    },
    heartbeat(id: number, status: string, skew: number | null): void {
      prep(db, 'UPDATE workers SET last_heartbeat_ms = ?, status = ?, clock_skew_ms = COALESCE(?, clock_skew_ms) WHERE id = ?').run(
        Date.now(),
        status,
        skew,
        id,
      );
    },
    setOffline(id: number, reason: string): void {
      prep(db, "UPDATE workers SET offline_reason = ?, status = 'offline' WHERE id = ?").run(reason, id);
    },
    byToken(tokenId: number): number[] {
      return (prep(db, 'SELECT id FROM workers WHERE token_id = ?').all(tokenId) as { id: number }[]).map((r) => r.id);
    },
  };
}

export function jobStore(db: Db) {
  const byId = prep(db, 'SELECT * FROM worker_jobs WHERE id = ?');
  const workerName = prep(db, 'SELECT name FROM workers WHERE id = ?');
  return {
    row(id: number): JobRow | undefined {
      return byId.get(id) as JobRow | undefined;
    },
    toJob(r: JobRow): Job {
      return {
        id: r.id,
        job_type: r.job_type,
        state: r.state,
        priority: r.priority,
        idempotency_key: r.idempotency_key,
        worker_only: r.worker_only === 1,
        ref: r.ref,
        worker_id: r.worker_id,
        worker_name: r.worker_id === null ? null : ((workerName.get(r.worker_id) as { name: string } | undefined)?.name ?? null),
        attempts: r.attempts,
        max_retries: r.max_retries,
        used_fallback_local: r.used_fallback_local === 1,
        fallback_reason: r.fallback_reason,
        ran_on: r.ran_on,
        result: r.result_json === null ? null : (JSON.parse(r.result_json) as unknown),
        error: r.error,
        created_at: r.created_at,
        claimed_at: iso(r.claimed_ms),
        // an action starts when its worker says it starts the side effect; any other job when it is first claimed
        started_at: iso(r.job_type === 'action' ? r.started_ms : r.first_started_ms),
        finished_at: iso(r.finished_ms),
        lease_deadline: r.state === 'leased' ? iso(r.lease_deadline_ms) : null,
        duration_ms: r.finished_ms === null ? null : r.finished_ms - (r.claimed_ms ?? r.created_ms),
      };
    },
    get(id: number): Job | undefined {
      const r = this.row(id);
      return r && this.toJob(r);
    },
    byKey(key: string): JobRow | undefined {
      return prep(db, 'SELECT * FROM worker_jobs WHERE idempotency_key = ?').get(key) as JobRow | undefined;
    },
    insert(p: {
      type: JobType;
      payload: unknown;
      priority: number;
      key: string | null;
      workerOnly: boolean;
      ref: string | null;
      maxRetries: number;
    }): number {
      const now = Date.now();
      return Number(
        prep(
          db,
          `INSERT INTO worker_jobs (job_type, payload_json, priority, idempotency_key, state, worker_only, ref, max_retries, created_at, created_ms)
             VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
        ).run(p.type, JSON.stringify(p.payload), p.priority, p.key, p.workerOnly ? 1 : 0, p.ref, p.maxRetries, new Date(now).toISOString(), now)
          .lastInsertRowid,
      );
    },
    list(state: JobState | undefined, limit: number, offset: number): { items: Job[]; total: number } {
      const where = state ? 'WHERE state = ?' : '';
      const args = state ? [state] : [];
      const rows = prep(db, `SELECT * FROM worker_jobs ${where} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...args, limit, offset) as JobRow[];
      const total = (prep(db, `SELECT COUNT(*) AS n FROM worker_jobs ${where}`).get(...args) as { n: number }).n;
      return { items: rows.map((r) => this.toJob(r)), total };
    },
    /** The next queued jobs this worker may run: capabilities, and only the action tools its token allows, asked of it (or of any). */
    claimable(types: string[], allowedTools: string[], workerName: string, limit: number): JobRow[] {
      return prep(
        db,
        `SELECT * FROM worker_jobs WHERE state = 'queued' AND job_type IN (SELECT value FROM json_each(?))
             AND (job_type != 'action' OR (json_extract(payload_json, '$.tool_name') IN (SELECT value FROM json_each(?))
                  AND json_extract(payload_json, '$.worker') IN ('any', ?)))
           ORDER BY priority DESC, id LIMIT ?`,
      ).all(JSON.stringify(types), JSON.stringify(allowedTools), workerName, limit) as JobRow[];
    },
    /** An action job's worker starts the side effect: only under its current, unexpired lease. */
    markStarted(id: number, leaseId: string): boolean {
      const now = Date.now();
      return (
        prep(
          db,
          `UPDATE worker_jobs SET started_ms = COALESCE(started_ms, ?)
             WHERE id = ? AND job_type = 'action' AND state = 'leased' AND lease_id = ? AND (lease_deadline_ms >= ? OR started_ms IS NOT NULL)`,
        ).run(now, id, leaseId, now).changes === 1
      );
    },
    /** Started action jobs whose worker has been silent past the limit (outcome unknown). */
    silentStarted(before: number): JobRow[] {
      return prep(
        db,
        "SELECT * FROM worker_jobs WHERE state = 'leased' AND started_ms IS NOT NULL AND lease_deadline_ms < ? ORDER BY id LIMIT 100",
      ).all(before) as JobRow[];
    },
    lease(id: number, workerId: number, leaseId: string, deadline: number): boolean {
      return (
        prep(
          db,
          `UPDATE worker_jobs SET state = 'leased', worker_id = @workerId, lease_id = @leaseId, lease_deadline_ms = @deadline, attempts = attempts + 1, claimed_ms = @now,
               first_started_ms = COALESCE(first_started_ms, @now)
             WHERE id = @id AND state = 'queued'`,
        ).run({ workerId, leaseId, deadline, now: Date.now(), id }).changes === 1
      );
    },
    extend(id: number, workerId: number, leaseId: string, deadline: number): boolean {
      return (
        prep(
          db,
          `UPDATE worker_jobs SET lease_deadline_ms = ?
             WHERE id = ? AND worker_id = ? AND lease_id = ? AND state = 'leased' AND (lease_deadline_ms >= ? OR started_ms IS NOT NULL)`,
        ).run(deadline, id, workerId, leaseId, Date.now()).changes === 1
      );
    },
    /** The one completion that counts: still leased, under this lease, before its deadline (a started action: whenever it arrives). */
    completeLeased(id: number, leaseId: string, result: unknown, ranOn: string): boolean {
      const now = Date.now();
      return (
        prep(
          db,
          `UPDATE worker_jobs SET state = 'succeeded', result_json = ?, error = NULL, finished_ms = ?, ran_on = ?
             WHERE id = ? AND state = 'leased' AND lease_id = ? AND (lease_deadline_ms >= ? OR started_ms IS NOT NULL)`,
        ).run(JSON.stringify(result ?? null), now, ranOn, id, leaseId, now).changes === 1
      );
    },
    requeue(id: number, leaseId: string, error: string): boolean {
      return (
        prep(
          db,
          `UPDATE worker_jobs SET state = 'queued', worker_id = NULL, lease_id = NULL, lease_deadline_ms = NULL, error = ?
             WHERE id = ? AND state = 'leased' AND lease_id = ?`,
        ).run(error, id, leaseId).changes === 1
      );
    },
    /** Take the job from whoever holds it (queued or leased) and run it here. */
    toLocal(id: number, from: { state: JobState; leaseId: string | null }, localLease: string, reason: string): boolean {
      const now = Date.now();
      return (
        prep(
          db,
          `UPDATE worker_jobs SET state = 'running_local', worker_id = NULL, lease_id = ?, lease_deadline_ms = NULL, used_fallback_local = 1,
               fallback_reason = ?, claimed_ms = ?, first_started_ms = COALESCE(first_started_ms, ?), attempts = attempts + 1
             WHERE id = ? AND state = ? AND lease_id IS ?`,
        ).run(localLease, reason, now, now, id, from.state, from.leaseId).changes === 1
      );
    },
    finishLocal(id: number, localLease: string, outcome: { result: unknown } | { error: string }): boolean {
      const ok = 'result' in outcome;
      return (
        prep(
          db,
          `UPDATE worker_jobs SET state = ?, result_json = ?, error = ?, finished_ms = ?, ran_on = 'local'
             WHERE id = ? AND state = 'running_local' AND lease_id = ?`,
        ).run(ok ? 'succeeded' : 'failed', ok ? JSON.stringify(outcome.result ?? null) : null, ok ? null : outcome.error, Date.now(), id, localLease)
          .changes === 1
      );
    },
    failFrom(id: number, from: { state: JobState; leaseId: string | null }, error: string, state: 'failed' | 'cancelled' = 'failed'): boolean {
      return (
        prep(
          db,
          `UPDATE worker_jobs SET state = ?, error = ?, finished_ms = ?, lease_id = NULL, lease_deadline_ms = NULL
             WHERE id = ? AND state = ? AND lease_id IS ?`,
        ).run(state, error, Date.now(), id, from.state, from.leaseId).changes === 1
      );
    },
    expiredLeases(now: number): JobRow[] {
      // a started action job is not expired: it never runs twice; it waits for its worker (see silentStarted)
      return prep(db, "SELECT * FROM worker_jobs WHERE state = 'leased' AND lease_deadline_ms < ? AND started_ms IS NULL ORDER BY id LIMIT 500").all(
        now,
      ) as JobRow[];
    },
    /** How many jobs a worker holds now (its load): one COUNT over the worker index, no rows read. */
    leasedCount(workerId: number): number {
      return (prep(db, "SELECT COUNT(*) AS n FROM worker_jobs WHERE worker_id = ? AND state = 'leased'").get(workerId) as { n: number }).n;
    },
    leasedBy(workerId: number): JobRow[] {
      return prep(db, "SELECT * FROM worker_jobs WHERE state = 'leased' AND worker_id = ?").all(workerId) as JobRow[];
    },
    /** Is any job waiting in the queue? (The queue index answers without reading a row.) */
    anyQueued(): boolean {
      return prep(db, "SELECT 1 FROM worker_jobs WHERE state = 'queued' LIMIT 1").get() !== undefined;
    },
    /** The head of the queue, in the order workers get it: ids and types only. */
    queuedHeads(limit: number): { id: number; job_type: JobType }[] {
      return prep(db, "SELECT id, job_type FROM worker_jobs WHERE state = 'queued' ORDER BY priority DESC, id LIMIT ?").all(limit) as {
        id: number;
        job_type: JobType;
      }[];
    },
    runningLocal(): JobRow[] {
      return prep(db, "SELECT * FROM worker_jobs WHERE state = 'running_local' ORDER BY id").all() as JobRow[];
    },
    /** After a restart: leases whose deadline passed while we were down get one more lease to be renewed. */
    graceLeases(deadline: number): number {
      return prep(db, "UPDATE worker_jobs SET lease_deadline_ms = ? WHERE state = 'leased' AND lease_deadline_ms < ?").run(deadline, deadline)
        .changes;
    },
  };
}
