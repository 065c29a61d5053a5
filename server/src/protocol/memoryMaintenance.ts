// Memory contract, part 4: duplicate / conflict proposals, maintenance jobs (reversible), health, and the
// memory notifications.
import { z } from 'zod';
import { defineMethod, defineNotification, NoParams, pagination, zBool } from './define';
import * as W from './wire/memory';
import { Layer, Status, CapsuleId } from './memoryCapsules';

// ---------------------------------------------------------------- duplicates and conflicts

export const ProposalMember = z.object({
  capsule_id: z.number().int(),
  text: z.string(),
  layer: Layer,
  trust: z.number(),
  use_count: z.number().int(),
  status: Status,
  created_at: z.string(),
  valid_to: z.string().nullable(),
});
export const Proposal = z.object({
  proposal_id: z.number().int(),
  kind: z.enum(['duplicate', 'conflict']),
  subkind: z.enum(['exact', 'near', 'negation', 'value']),
  status: z.enum(['open', 'accepted', 'rejected', 'withdrawn']),
  similarity: z.number().nullable(),
  detail: z.string(),
  resolution: z.string().nullable(),
  resolution_note: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  resolved_at: z.string().nullable(),
  members: z.array(ProposalMember),
});
export type Proposal = z.infer<typeof Proposal>;
const ProposalList = z.object({ status: z.enum(['open', 'accepted', 'rejected', 'withdrawn', 'all']).default('open'), ...pagination(50, 500) });
const ProposalListResult = z.object({ ok: z.boolean(), items: z.array(Proposal), total: z.number().int() });
export const conflicts = defineMethod({
  method: 'agentora/memory/conflicts',
  description: 'Conflict proposals: contradicting memories about the same subject (negation, different values for one key).',
  params: ProposalList,
  result: ProposalListResult,
  rest: { verb: 'GET', path: '/api/memory/conflicts', wire: W.list },
  readOnly: true,
});
export const duplicates = defineMethod({
  method: 'agentora/memory/duplicates',
  description: 'Duplicate clusters: exact (normalized hash) and near (MinHash + LSH over shingles).',
  params: ProposalList,
  result: ProposalListResult,
  rest: { verb: 'GET', path: '/api/memory/duplicates', wire: W.list },
  readOnly: true,
});
export const Resolution = z.enum(['merge', 'supersede', 'keep_both']);
export const accept = defineMethod({
  method: 'agentora/memory/acceptProposal',
  description:
    'Accept a proposal: merge (duplicates: keep one, archive the rest, link merged_from), supersede (the kept memory supersedes the others: valid_to + superseded_by) or keep both.',
  params: z.object({ proposal_id: CapsuleId, resolution: Resolution, keep_id: CapsuleId.optional(), note: z.string().max(500).optional() }),
  result: z.object({ ok: z.boolean(), proposal: Proposal, changed_ids: z.array(z.number().int()) }),
  rest: { verb: 'POST', path: '/api/memory/proposals/:proposal_id/accept' },
});
export const reject = defineMethod({
  method: 'agentora/memory/rejectProposal',
  description: 'Reject a proposal: nothing changes, and the same finding is not proposed again.',
  params: z.object({ proposal_id: CapsuleId, note: z.string().max(500).optional() }),
  result: z.object({ ok: z.boolean(), proposal: Proposal }),
  rest: { verb: 'POST', path: '/api/memory/proposals/:proposal_id/reject' },
});

// ---------------------------------------------------------------- maintenance

export const JobKind = z.enum(['maintenance', 'duplicates', 'conflicts']);
export const Job = z.object({
  job_id: z.number().int(),
  kind: JobKind,
  status: z.enum(['queued', 'running', 'done', 'failed']),
  phase: z.string(),
  progress: z.number(),
  summary: z.record(z.string(), z.number()),
  error: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  change_count: z.number().int(),
  undone_count: z.number().int(),
});
export type Job = z.infer<typeof Job>;
export const Change = z.object({
  change_id: z.number().int(),
  change: z.enum(['decay', 'archive', 'proposal']),
  capsule_id: z.number().int().nullable(),
  proposal_id: z.number().int().nullable(),
  field: z.string(),
  before: z.string().nullable(),
  after: z.string().nullable(),
  reason: z.string(),
  created_at: z.string(),
  undone_at: z.string().nullable(),
  undo_note: z.string().nullable(),
});
const StartJob = z.object({ wait: zBool.default(false) }).default({ wait: false });
const JobResult = z.object({ ok: z.boolean(), job: Job });
export const runMaintenance = defineMethod({
  method: 'agentora/memory/runMaintenance',
  description:
    'Start maintenance (duplicate and conflict scans, decay, archive of stale low-value memories) as a background job; returns its id at once (wait=true waits for the end).',
  params: StartJob,
  result: JobResult,
  rest: { verb: 'POST', path: '/api/memory/maintenance/run', status: 202, wire: W.maintenance },
});
export const scanConflicts = defineMethod({
  method: 'agentora/memory/scanConflicts',
  description: 'Scan for conflicts as a background job; findings become proposals.',
  params: StartJob,
  result: JobResult,
  rest: { verb: 'POST', path: '/api/memory/maintenance/conflicts', status: 202, wire: W.scanConflicts },
});
export const scanDuplicates = defineMethod({
  method: 'agentora/memory/scanDuplicates',
  description: 'Scan for exact and near duplicates as a background job; findings become proposals.',
  params: StartJob,
  result: JobResult,
  rest: { verb: 'POST', path: '/api/memory/maintenance/duplicates', status: 202, wire: W.scanDuplicates },
});
export const jobs = defineMethod({
  method: 'agentora/memory/jobs',
  description: 'Maintenance and scan jobs, newest first (the maintenance status).',
  params: z.object({ ...pagination(20, 200) }),
  result: z.object({ ok: z.boolean(), items: z.array(Job), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/memory/maintenance/jobs' },
  readOnly: true,
});
export const job = defineMethod({
  method: 'agentora/memory/job',
  description: 'A job and its report: every change it made, each reversible.',
  params: z.object({ job_id: CapsuleId, ...pagination(200, 5000) }),
  result: z.object({ ok: z.boolean(), job: Job, changes: z.array(Change), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/memory/maintenance/jobs/:job_id' },
  readOnly: true,
});
export const undo = defineMethod({
  method: 'agentora/memory/undo',
  description: "Undo a job's changes (all, or the listed change ids). A change whose memory was changed again since is skipped, with the reason.",
  params: z.object({ job_id: CapsuleId, change_ids: z.array(CapsuleId).max(100000).optional() }),
  result: z.object({ ok: z.boolean(), undone: z.number().int(), skipped: z.array(z.object({ change_id: z.number().int(), reason: z.string() })) }),
  rest: { verb: 'POST', path: '/api/memory/maintenance/jobs/:job_id/undo' },
});

export const HealthResult = z.object({
  ok: z.boolean(),
  counts_by_layer: z.record(z.string(), z.number().int()),
  counts_by_status: z.record(z.string(), z.number().int()),
  hot_count: z.number().int(),
  cold_count: z.number().int(),
  conflict_count: z.number().int(),
  duplicate_count: z.number().int(),
  active_context_runs: z.number().int(),
  maintenance_status: z.array(Job),
  last_maintenance: Job.nullable(),
  embeddings: z.object({
    enabled: z.boolean(),
    model: z.string().nullable(),
    embedded: z.number().int(),
    pending: z.number().int(),
    last_error: z.string().nullable(),
  }),
});
export const health = defineMethod({
  method: 'agentora/memory/health',
  description: 'Memory health: counts by layer, hot/cold, open conflicts and duplicate clusters, runs with recent contexts, maintenance status.',
  params: NoParams,
  result: HealthResult,
  rest: { verb: 'GET', path: '/api/memory/health', wire: W.health },
  readOnly: true,
});

// ---------------------------------------------------------------- notifications

export const didProgress = defineNotification({
  name: 'agentora/memory/didProgress',
  description: 'Sent by the server while a maintenance or scan job runs, and when it ends.',
  payload: z.object({
    job_id: z.number().int(),
    kind: JobKind,
    status: z.enum(['queued', 'running', 'done', 'failed']),
    phase: z.string(),
    progress: z.number(),
    message: z.string(),
  }),
});
export const didChange = defineNotification({
  name: 'agentora/memory/didChange',
  description: 'Sent by the server when memories or proposals change, so panels refresh.',
  payload: z.object({ reason: z.string(), capsule_ids: z.array(z.number().int()) }),
});
