// Workers contract (product area 7, issue 15): another machine runs `agentora worker`, registers, heartbeats,
// long-polls for jobs with a lease and reports results; the operator dispatches jobs, watches workers and jobs,
// and issues / revokes worker tokens. Worker routes are `scope: 'worker'`: a worker token reaches only them.
import { z } from 'zod';
import { defineMethod, defineNotification, NoParams, pagination, wire, zBool, zInt } from './define';
import { loose } from './wire/common';

export const JOB_TYPES = ['model_chat', 'model_embed', 'memory_maintenance', 'team_step', 'workflow_model_call', 'action'] as const;
export const JobType = z.enum(JOB_TYPES);
export type JobType = z.infer<typeof JobType>;
export const JOB_STATES = ['queued', 'leased', 'running_local', 'succeeded', 'failed', 'cancelled'] as const;
export const JobState = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobState>;
/** live: heard from within two heartbeats; stale: within the lease; offline: beyond, or said goodbye / revoked. */
export const WorkerState = z.enum(['live', 'stale', 'offline']);
export type WorkerState = z.infer<typeof WorkerState>;
export const WorkerMode = z.enum(['auto', 'prefer_worker', 'local']);

const Name = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\r\n\0]+$/, 'must be a single line');
const Id = zInt.pipe(z.number().int().min(1));

export const Worker = z.object({
  id: z.number().int(),
  name: z.string(),
  url: z.string().nullable(),
  capabilities: z.array(z.string()),
  concurrency: z.number().int(),
  /** What the worker last said about itself (idle, busy, draining…). */
  status: z.string(),
  state: WorkerState,
  /** Jobs it holds a lease on now. */
  load: z.number().int(),
  current_jobs: z.array(z.number().int()),
  version: z.string().nullable(),
  clock_skew_ms: z.number().int().nullable(),
  token_id: z.number().int().nullable(),
  registered_at: z.string(),
  last_heartbeat_at: z.string(),
  offline_reason: z.string().nullable(),
});
export type Worker = z.infer<typeof Worker>;

export const Job = z.object({
  id: z.number().int(),
  job_type: JobType,
  state: JobState,
  priority: z.number().int(),
  idempotency_key: z.string().nullable(),
  worker_only: z.boolean(),
  ref: z.string().nullable(),
  worker_id: z.number().int().nullable(),
  worker_name: z.string().nullable(),
  attempts: z.number().int(),
  max_retries: z.number().int(),
  used_fallback_local: z.boolean(),
  fallback_reason: z.string().nullable(),
  /** `worker:<name>` or `local`, once it ran. */
  ran_on: z.string().nullable(),
  result: z.unknown().nullable(),
  error: z.string().nullable(),
  created_at: z.string(),
  claimed_at: z.string().nullable(),
  /** When it first started running: first claimed by a worker or taken locally (an action job: when its worker started it). */
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  lease_deadline: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
});
export type Job = z.infer<typeof Job>;

export const WorkerToken = z.object({
  id: z.number().int(),
  name: z.string(),
  prefix: z.string(),
  allowed_actions: z.array(z.string()),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type WorkerToken = z.infer<typeof WorkerToken>;

/** A job as a worker receives it: what to run and the lease it must name when reporting. */
export const ClaimedJob = z.object({
  id: z.number().int(),
  job_type: JobType,
  payload: z.record(z.string(), z.unknown()),
  lease_id: z.string(),
  lease_deadline: z.string(),
  attempt: z.number().int(),
});
export type ClaimedJob = z.infer<typeof ClaimedJob>;

// ---- payloads per job type (checked at dispatch; the worker checks again) ----
const Message = z.object({ role: z.enum(['system', 'user', 'assistant', 'tool']), content: z.string() });
export const ChatPayload = z.object({
  model: z.string().min(1).optional(),
  messages: z.array(Message).min(1).max(1000),
  format: z.union([z.literal('json'), z.record(z.string(), z.unknown())]).optional(),
  options: z.record(z.string(), z.number()).optional(),
});
export const EmbedPayload = z.object({ model: z.string().min(1).optional(), input: z.array(z.string()).min(1).max(1024) });
export const MaintenancePayload = z.object({
  items: z
    .array(z.object({ id: z.union([z.string(), z.number()]), text: z.string() }))
    .max(20000)
    .default([]),
  threshold: z.number().min(0.5).max(1).default(0.8),
  /** Candidate pairs (ids of `items`) to verify; absent: find the near duplicates among all of `items`. */
  pairs: z
    .array(z.tuple([z.union([z.string(), z.number()]), z.union([z.string(), z.number()])]))
    .max(20000)
    .optional(),
});
/** An action approved through the safe-actions queue (only the queue dispatches these: see ./workersActions.ts). */
export const ActionPayload = z.object({
  action_id: z.number().int(),
  tool_name: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  /** The worker asked for (its name), or `any`. */
  worker: z.string().min(1).default('any'),
});
export const PAYLOADS: Record<JobType, z.ZodType> = {
  model_chat: ChatPayload,
  team_step: ChatPayload,
  workflow_model_call: ChatPayload,
  model_embed: EmbedPayload,
  memory_maintenance: MaintenancePayload,
  action: ActionPayload,
};

// ---- wire shapes (wire-shapes.md: `{ok, job{id, job_type, status, priority, retries, …}}`) ----
const WireJob = loose({
  id: z.number().int(),
  job_type: z.string(),
  status: z.string(),
  priority: z.number().int(),
  retries: z.number().int(),
  max_retries: z.number().int(),
  worker_node_id: z.number().int().nullable(),
  used_fallback_local: z.boolean(),
  result_json: z.string().nullable(),
  error: z.string().nullable(),
  started_at: z.string().nullable(),
});
export function jobToWire(j: Job) {
  return {
    ...j,
    status: j.state,
    retries: Math.max(0, j.attempts - 1),
    worker_node_id: j.worker_id,
    result_json: j.result === null || j.result === undefined ? null : JSON.stringify(j.result),
  };
}
const WireWorker = loose({ id: z.number().int(), name: z.string(), capabilities: z.array(z.string()), status: z.string() });

// ---- operator methods ----
export const list = defineMethod({
  method: 'agentora/workers/list',
  description: 'Registered workers with their state (live / stale / offline from heartbeats), capabilities, load and current jobs.',
  params: NoParams,
  result: z.object({ items: z.array(Worker), lease_seconds: z.number(), heartbeat_seconds: z.number() }),
  rest: {
    verb: 'GET',
    path: '/api/workers',
    wire: wire(z.any(), { schema: loose({ ok: z.literal(true), items: z.array(WireWorker) }), toWire: (r) => ({ ok: true, ...r }) }),
  },
  readOnly: true,
});

export const DispatchParams = z.object({
  job_type: JobType,
  payload: z.record(z.string(), z.unknown()).default({}),
  priority: zInt.pipe(z.number().int().min(0).max(10)).default(5),
  max_retries: zInt.pipe(z.number().int().min(0).max(20)).optional(),
  /** Never run it here: when no worker can, the job fails with the reason. */
  worker_only: zBool.default(false),
  /** A second dispatch with the same key answers the first job (no second job). */
  idempotency_key: z.string().trim().min(1).max(200).optional(),
  ref: z.string().max(200).optional(),
});
export const dispatch = defineMethod({
  method: 'agentora/workers/dispatch',
  description:
    'Queue a job for a worker and answer at once. A live worker with the capability claims it; with none (or when its lease expires, or retries run out) it runs here for real (used_fallback_local, with the reason) unless worker_only.',
  params: DispatchParams,
  result: Job,
  rest: {
    verb: 'POST',
    path: '/api/workers/dispatch',
    wire: wire(Job, { schema: loose({ ok: z.literal(true), job: WireJob }), toWire: (j) => ({ ok: true, job: jobToWire(j) }) }),
  },
});

export const job = defineMethod({
  method: 'agentora/workers/job',
  description: 'One job: state, where it ran, fallback reason, attempts, result or error, timings.',
  params: z.object({ id: Id }),
  result: Job,
  rest: {
    verb: 'GET',
    path: '/api/workers/jobs/:id',
    wire: wire(Job, { schema: loose({ ok: z.literal(true), job: WireJob }), toWire: (j) => ({ ok: true, job: jobToWire(j) }) }),
  },
  readOnly: true,
});

export const jobs = defineMethod({
  method: 'agentora/workers/jobs',
  description: 'Jobs, newest first, optionally by state.',
  params: z.object({ state: JobState.optional(), ...pagination(50, 500) }),
  result: z.object({ items: z.array(Job), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/workers/jobs' },
  readOnly: true,
});

export const cancelJob = defineMethod({
  method: 'agentora/workers/cancelJob',
  description: 'Cancel a job that has not finished: a worker holding it is told at its next heartbeat, and its result is refused.',
  params: z.object({ id: Id }),
  result: Job,
  rest: { verb: 'POST', path: '/api/workers/jobs/:id/cancel' },
});

export const tokens = defineMethod({
  method: 'agentora/workers/tokens',
  description: 'Worker tokens (revoked ones too, marked), newest first. Secrets are never listed.',
  params: NoParams,
  result: z.object({ items: z.array(WorkerToken) }),
  rest: { verb: 'GET', path: '/api/workers/tokens' },
  readOnly: true,
});

export const createToken = defineMethod({
  method: 'agentora/workers/createToken',
  description:
    'Issue a worker token (shown once, stored hashed). It reaches only the worker routes. `allowed_actions` lists the tools of `action` jobs this worker may run (none by default).',
  params: z.object({ name: Name, allowed_actions: z.array(z.string().min(1).max(100)).max(50).default([]) }),
  result: z.object({
    id: z.number().int(),
    token: z.string(),
    fingerprint: z.string().nullable(),
    item: WorkerToken,
    /** What to run on the worker machine (the server URL is the `server.apiUrl` setting). */
    command: z.string(),
  }),
  rest: { verb: 'POST', path: '/api/workers/tokens', status: 201 },
});

export const revokeToken = defineMethod({
  method: 'agentora/workers/revokeToken',
  description:
    'Revoke a worker token: its requests are 401 from now on, its workers go offline and their leases end at once (the jobs run elsewhere).',
  params: z.object({ id: Id }),
  result: WorkerToken,
  rest: { verb: 'DELETE', path: '/api/workers/tokens/:id' },
});

// ---- worker methods (a worker token, or the operator) ----
export const RegisterParams = z.object({
  name: Name,
  url: z.string().max(500).nullable().optional(),
  capabilities: z.array(JobType).max(JOB_TYPES.length).default(['model_chat', 'model_embed']),
  concurrency: zInt.pipe(z.number().int().min(1).max(64)).default(1),
  version: z.string().max(50).optional(),
  /** The worker's clock (epoch ms) when it sent this, for the skew check. */
  clock_ms: z.number().optional(),
  /** Re-register as this worker (after a server restart or a network drop): keeps its id and leases. */
  worker_id: zInt.pipe(z.number().int().min(1)).optional(),
});
const Timing = { lease_seconds: z.number(), heartbeat_seconds: z.number(), claim_wait_seconds: z.number() };
export const register = defineMethod({
  method: 'agentora/workers/register',
  description: 'A worker announces itself (name, capabilities, concurrency) and learns the lease and heartbeat timing.',
  params: RegisterParams,
  result: z.object({ worker: Worker, allowed_actions: z.array(z.string()), ...Timing }),
  rest: {
    verb: 'POST',
    path: '/api/workers/register',
    wire: wire(z.any(), { schema: loose({ ok: z.literal(true), worker: WireWorker }), toWire: (r) => ({ ok: true, ...r }) }),
  },
  scope: 'worker',
});

export const heartbeat = defineMethod({
  method: 'agentora/workers/heartbeat',
  description: 'A worker is alive: extends the leases of the jobs it still runs, and learns which of them it must drop (cancelled or lost).',
  params: z.object({
    worker_id: Id,
    status: z.string().max(40).default('idle'),
    /** Jobs the worker is running now, with their lease ids. */
    running: z
      .array(z.object({ id: z.number().int(), lease_id: z.string() }))
      .max(64)
      .default([]),
    clock_ms: z.number().optional(),
  }),
  result: z.object({ worker: Worker, drop: z.array(z.number().int()) }),
  rest: {
    verb: 'POST',
    path: '/api/workers/heartbeat',
    wire: wire(z.any(), { schema: loose({ ok: z.literal(true), worker: WireWorker }), toWire: (r) => ({ ok: true, ...r }) }),
  },
  scope: 'worker',
});

export const claim = defineMethod({
  method: 'agentora/workers/claim',
  description: 'Long-poll for jobs: answers as soon as one this worker can run is queued (leased to it), or empty after the wait.',
  params: z.object({
    worker_id: Id,
    max: zInt.pipe(z.number().int().min(1).max(64)).default(1),
    wait_seconds: z.number().min(0).max(60).optional(),
  }),
  result: z.object({ jobs: z.array(ClaimedJob) }),
  rest: { verb: 'POST', path: '/api/workers/claim' },
  scope: 'worker',
});

export const complete = defineMethod({
  method: 'agentora/workers/complete',
  description:
    'Report a result under a lease. Exactly one result counts: a result whose lease expired or was taken away is refused (409); the same result sent twice under the same lease is accepted once.',
  params: z.object({ id: Id, lease_id: z.string().min(1), result: z.unknown(), idempotency_key: z.string().max(200).optional() }),
  result: z.object({ accepted: z.boolean(), duplicate: z.boolean(), state: JobState }),
  rest: { verb: 'POST', path: '/api/workers/jobs/:id/result' },
  scope: 'worker',
});

export const fail = defineMethod({
  method: 'agentora/workers/fail',
  description: 'Report a failure under a lease: retried (another claim) while retries remain, then run here unless worker-only.',
  params: z.object({ id: Id, lease_id: z.string().min(1), error: z.string().max(4000), retryable: zBool.default(true) }),
  result: z.object({ accepted: z.boolean(), state: JobState }),
  rest: { verb: 'POST', path: '/api/workers/jobs/:id/fail' },
  scope: 'worker',
});

export const goodbye = defineMethod({
  method: 'agentora/workers/goodbye',
  description: 'A worker stops on purpose: it goes offline and the leases it still holds are released at once.',
  params: z.object({ worker_id: Id }),
  result: z.object({ worker: Worker }),
  rest: { verb: 'POST', path: '/api/workers/goodbye' },
  scope: 'worker',
});

export const workersMethods = [
  list,
  dispatch,
  job,
  jobs,
  cancelJob,
  tokens,
  createToken,
  revokeToken,
  register,
  heartbeat,
  claim,
  complete,
  fail,
  goodbye,
] as const;

export const didChange = defineNotification({
  name: 'agentora/workers/didChange',
  description: 'Workers or jobs changed (registered, heartbeat state, claimed, finished, fallback), so the Workers panel refreshes.',
  payload: z.object({ reason: z.string(), job_id: z.number().int().nullable(), worker_id: z.number().int().nullable() }),
});
export const workersNotifications = [didChange] as const;
