// Memory area contract: memories ("capsules" on the wire, as the earlier HTTP API named them), retrieval,
// contexts, lineage, duplicate/conflict proposals and maintenance jobs. REST routes follow http-api.md.
import { z } from 'zod';
import { defineMethod, defineNotification, NoParams, pagination, zBool, zInt, zNum } from './define';
import * as W from './wire/memory';

export const LAYERS = ['working', 'episodic', 'semantic', 'core'] as const;
export const Layer = z.enum(LAYERS);
export type Layer = z.infer<typeof Layer>;
export const Source = z.enum(['chat', 'run', 'mission', 'upload', 'operator']);
export type Source = z.infer<typeof Source>;
export const Scope = z.enum(['workspace', 'global']);
export const Kind = z.enum(['fact', 'note', 'decision', 'preference', 'procedure', 'summary', 'chunk']);
export const Status = z.enum(['active', 'archived', 'deleted']);
export const Relation = z.enum(['derived_from', 'merged_from', 'superseded_by']);

const CapsuleId = zInt.pipe(z.number().int().min(1));
const Tag = z.string().trim().min(1).max(200);
/** An ISO-8601 timestamp with a zone (`2026-01-01T00:00:00Z`); answers "what did we believe at that time". */
const AsOf = z.iso.datetime({ offset: true });
const Text = z.string().trim().min(1, 'must not be empty').max(20000);

export const Capsule = z.object({
  capsule_id: z.number().int(),
  text: z.string(),
  kind: Kind,
  source: Source,
  source_ref: z.string().nullable(),
  scope: Scope,
  repo: z.string().nullable(),
  persona: z.string().nullable(),
  layer: Layer,
  trust: z.number(),
  salience: z.number(),
  use_count: z.number().int(),
  last_used_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  valid_from: z.string(),
  /** Set when the memory was superseded or merged away: it stays readable, but is no longer believed. */
  valid_to: z.string().nullable(),
  status: Status,
  version: z.number().int(),
  embedded: z.boolean(),
  /** Active and not superseded: what retrieval returns by default. */
  current: z.boolean(),
  /** The upload that made this memory (all its chunks share it), or null. */
  batch_id: z.string().nullable(),
  /** Made in mock mode (e.g. a mock mission's outcome): low trust, never given to a real-mode mission. */
  mock: z.boolean(),
});
export type Capsule = z.infer<typeof Capsule>;

// ---------------------------------------------------------------- CRUD

export const CreateParams = z.object({
  text: Text,
  kind: Kind.default('note'),
  source: Source.default('operator'),
  source_ref: z.string().max(500).optional(),
  scope: Scope.default('workspace'),
  repo: Tag.optional(),
  persona: Tag.optional(),
  layer: Layer.default('episodic'),
  trust: zNum.pipe(z.number().min(0).max(1)).default(0.5),
  /** Lineage: the memories this one was derived from. */
  derived_from: z.array(CapsuleId).max(50).optional(),
});
export const CreateResult = z.object({
  ok: z.boolean(),
  capsule: Capsule,
  /** An active memory with the same normalized text already existed: an exact-duplicate proposal was opened. */
  duplicate_of: z.number().int().nullable(),
  proposal_id: z.number().int().nullable(),
});
export const create = defineMethod({
  method: 'agentora/memory/create',
  scope: 'agent',
  description: 'Create a memory. It is embedded in the background; an exact duplicate opens a proposal (never merged silently).',
  params: CreateParams,
  result: CreateResult,
  rest: { verb: 'POST', path: '/api/memory/capsules', status: 201, wire: W.create },
});

const CapsuleResult = z.object({ ok: z.boolean(), capsule: Capsule });

export const GetParams = z.object({ capsule_id: CapsuleId, as_of: AsOf.optional() });
export const GetResult = z.object({
  ok: z.boolean(),
  capsule: Capsule,
  as_of: z.string().nullable(),
  /** With as_of: whether the memory existed and was believed (valid) at that time. */
  believed_at_as_of: z.boolean().nullable(),
  open_proposal_ids: z.array(z.number().int()),
  /** Memories made from this one (derived or merged from it), its links, and a one-line summary of it. */
  children: z.array(z.object({ capsule_id: z.number().int(), text: z.string(), layer: Layer, relation: Relation })),
  edges: z.array(
    z.object({ from_id: z.number().int(), to_id: z.number().int(), relation: Relation, created_at: z.string(), note: z.string().nullable() }),
  ),
  summary: z.string(),
});
export const get = defineMethod({
  method: 'agentora/memory/get',
  scope: 'agent',
  description: 'One memory; with as_of, its text and state as they were at that time.',
  params: GetParams,
  result: GetResult,
  rest: { verb: 'GET', path: '/api/memory/capsules/:capsule_id', wire: W.get },
  readOnly: true,
});

export const ListParams = z.object({
  status: z.enum(['active', 'archived', 'deleted', 'all']).default('active'),
  layer: Layer.optional(),
  source: Source.optional(),
  repo: Tag.optional(),
  kind: Kind.optional(),
  /** Matches the memory's repo or persona tag. */
  tag: Tag.optional(),
  /** Only the memories of this upload batch. */
  batch_id: Tag.optional(),
  ...pagination(50, 500),
});
export const ListResult = z.object({ ok: z.boolean(), items: z.array(Capsule), total: z.number().int() });
export const list = defineMethod({
  method: 'agentora/memory/list',
  scope: 'agent',
  description: 'Memories, newest first, filtered by status, layer, source, kind, repo, tag (repo or persona) and upload batch.',
  params: ListParams,
  result: ListResult,
  rest: { verb: 'GET', path: '/api/memory/capsules', wire: W.list },
  readOnly: true,
});

export const UpdateParams = z.object({
  capsule_id: CapsuleId,
  text: Text.optional(),
  kind: Kind.optional(),
  layer: Layer.optional(),
  trust: zNum.pipe(z.number().min(0).max(1)).optional(),
  scope: Scope.optional(),
  repo: Tag.nullable().optional(),
  persona: Tag.nullable().optional(),
  reason: z.string().max(500).default('edited'),
});
export const update = defineMethod({
  method: 'agentora/memory/update',
  description: 'Change a memory; the previous state is kept in its version history.',
  params: UpdateParams,
  result: CapsuleResult,
  rest: [
    { verb: 'PATCH', path: '/api/memory/capsules/:capsule_id' },
    { verb: 'POST', path: '/api/memory/capsules/:capsule_id' },
  ],
});

const IdNote = z.object({ capsule_id: CapsuleId, note: z.string().max(500).optional() });
export const archive = defineMethod({
  method: 'agentora/memory/archive',
  description: 'Archive a memory: retrieval never returns it; restore brings it back.',
  params: IdNote,
  result: CapsuleResult,
  rest: { verb: 'POST', path: '/api/memory/capsules/:capsule_id/archive' },
});
export const restore = defineMethod({
  method: 'agentora/memory/restore',
  description: 'Restore an archived memory.',
  params: IdNote,
  result: CapsuleResult,
  rest: { verb: 'POST', path: '/api/memory/capsules/:capsule_id/restore' },
});
export const remove = defineMethod({
  method: 'agentora/memory/delete',
  description: 'Delete a memory: its text, history and embedding are erased; a tombstone keeps lineage intact.',
  params: IdNote,
  result: CapsuleResult,
  rest: { verb: 'DELETE', path: '/api/memory/capsules/:capsule_id' },
});

export const Version = z.object({
  version: z.number().int(),
  text: z.string(),
  kind: z.string(),
  layer: z.string(),
  trust: z.number(),
  status: z.string(),
  valid_to: z.string().nullable(),
  recorded_at: z.string(),
  replaced_at: z.string(),
  reason: z.string(),
});
export const history = defineMethod({
  method: 'agentora/memory/history',
  scope: 'agent',
  description: 'Earlier versions of a memory (newest first).',
  params: z.object({ capsule_id: CapsuleId }),
  result: z.object({ ok: z.boolean(), capsule_id: z.number().int(), versions: z.array(Version) }),
  rest: { verb: 'GET', path: '/api/memory/capsules/:capsule_id/history' },
  readOnly: true,
});

const LayerMove = z.object({ ok: z.boolean(), capsule: Capsule, from_layer: Layer, to_layer: Layer });
export const promote = defineMethod({
  method: 'agentora/memory/promote',
  description: 'Move a memory one layer up (working → episodic → semantic → core).',
  params: IdNote,
  result: LayerMove,
  rest: { verb: 'POST', path: '/api/memory/capsules/:capsule_id/promote', wire: W.capsule },
});
export const demote = defineMethod({
  method: 'agentora/memory/demote',
  description: 'Move a memory one layer down.',
  params: IdNote,
  result: LayerMove,
  rest: { verb: 'POST', path: '/api/memory/capsules/:capsule_id/demote', wire: W.capsule },
});
export const refine = defineMethod({
  method: 'agentora/memory/refine',
  description: 'Write a refined memory derived from this one; the original is superseded (valid_to set), not lost.',
  params: z.object({ capsule_id: CapsuleId, text: Text, note: z.string().max(500).optional() }),
  result: z.object({ ok: z.boolean(), capsule: Capsule, superseded: Capsule }),
  rest: { verb: 'POST', path: '/api/memory/capsules/:capsule_id/refine', wire: W.refine },
});

export const LayerInfo = z.object({ name: Layer, rank: z.number().int(), description: z.string(), count: z.number().int() });
export const layers = defineMethod({
  method: 'agentora/memory/layers',
  scope: 'agent',
  description: 'The memory layers, lowest first, with how many current memories each holds.',
  params: NoParams,
  result: z.object({ ok: z.boolean(), layers: z.array(LayerInfo) }),
  rest: { verb: 'GET', path: '/api/memory/layers', wire: W.items('layers') },
  readOnly: true,
});

// ---------------------------------------------------------------- lineage

export const LineageNode = z.object({
  capsule_id: z.number().int(),
  text: z.string(),
  kind: Kind.optional(),
  layer: Layer,
  status: Status,
  source: Source,
  valid_from: z.string(),
  valid_to: z.string().nullable(),
  current: z.boolean(),
});
export const LineageEdge = z.object({
  from_id: z.number().int(),
  to_id: z.number().int(),
  relation: Relation,
  created_at: z.string(),
  note: z.string().nullable(),
});
export const lineage = defineMethod({
  method: 'agentora/memory/lineage',
  scope: 'agent',
  description: 'The lineage graph around a memory: what it came from, what it was merged from, what superseded it (edges read "from <relation> to").',
  params: z.object({ capsule_id: CapsuleId, depth: zInt.pipe(z.number().int().min(1).max(20)).default(6) }),
  result: z.object({ ok: z.boolean(), root_id: z.number().int(), nodes: z.array(LineageNode), edges: z.array(LineageEdge), truncated: z.boolean() }),
  rest: { verb: 'GET', path: '/api/memory/capsules/:capsule_id/lineage', wire: W.lineage },
  readOnly: true,
});

export const neighbors = defineMethod({
  method: 'agentora/memory/neighbors',
  scope: 'agent',
  description: 'Memories most similar to this one (embedding cosine when available, else full-text).',
  params: z.object({ capsule_id: CapsuleId, limit: zInt.pipe(z.number().int().min(1).max(50)).default(8) }),
  result: z.object({
    ok: z.boolean(),
    capsule_id: z.number().int(),
    method: z.enum(['vector', 'text']),
    items: z.array(z.object({ capsule_id: z.number().int(), text: z.string(), layer: Layer, similarity: z.number() })),
  }),
  rest: { verb: 'GET', path: '/api/memory/capsules/:capsule_id/neighbors', wire: W.list },
  readOnly: true,
});

// ---------------------------------------------------------------- uploads

export const UploadParams = z
  .object({
    filename: z.string().trim().min(1).max(300),
    content_base64: z.string().min(1).max(12_000_000).optional(),
    text: z.string().min(1).max(8_000_000).optional(),
    kind: Kind.default('chunk'),
    scope: Scope.default('workspace'),
    repo: Tag.optional(),
    persona: Tag.optional(),
    layer: Layer.default('episodic'),
    trust: zNum.pipe(z.number().min(0).max(1)).default(0.5),
    max_chunk_chars: zInt.pipe(z.number().int().min(200).max(8000)).default(1200),
    overlap_chars: zInt.pipe(z.number().int().min(0).max(1000)).default(150),
  })
  .refine((p) => (p.content_base64 === undefined) !== (p.text === undefined), {
    message: 'give exactly one of content_base64 or text',
    path: ['content_base64'],
  })
  .refine((p) => p.overlap_chars < p.max_chunk_chars / 2, { message: 'must be less than half of max_chunk_chars', path: ['overlap_chars'] });
export const upload = defineMethod({
  method: 'agentora/memory/upload',
  scope: 'agent',
  description: 'Turn a text, Markdown or PDF file into memories: chunked by headings and paragraphs (size cap, overlap), source = upload.',
  params: UploadParams,
  result: z.object({
    ok: z.boolean(),
    filename: z.string(),
    format: z.enum(['text', 'markdown', 'pdf']),
    chunks: z.number().int(),
    capsule_ids: z.array(z.number().int()),
    warnings: z.array(z.string()),
    /** One id for every memory this upload made: review it with `batches` / `list`, undo it with `undoBatch`. */
    batch_id: z.string(),
  }),
  rest: { verb: 'POST', path: '/api/memory/uploads', status: 201 },
});

export const Batch = z.object({
  batch_id: z.string(),
  filename: z.string(),
  created_at: z.string(),
  count: z.number().int(),
  /** How many of its memories are still active (0 once the batch is undone). */
  active: z.number().int(),
});
export const batches = defineMethod({
  method: 'agentora/memory/batches',
  description: 'Upload batches, newest first: the file, when, how many memories it made and how many are still active.',
  params: z.object({ ...pagination(20, 200) }).default({ limit: 20, offset: 0 }),
  result: z.object({ ok: z.boolean(), items: z.array(Batch), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/memory/uploads' },
  readOnly: true,
});
export const undoBatch = defineMethod({
  method: 'agentora/memory/undoBatch',
  description: 'Undo an upload as a whole: archive every active memory of the batch (restore brings one back).',
  params: z.object({ batch_id: Tag }),
  result: z.object({ ok: z.boolean(), batch_id: z.string(), archived: z.number().int() }),
  rest: { verb: 'POST', path: '/api/memory/uploads/:batch_id/undo' },
});

// ---------------------------------------------------------------- retrieval and contexts

export const ScoreBreakdown = z.object({
  /** BM25 text score over the query terms, higher is better (null: FTS5 did not match it). */
  bm25: z.number().nullable(),
  text_rank: z.number().int().nullable(),
  vector_cosine: z.number().nullable(),
  vector_rank: z.number().int().nullable(),
  /** Reciprocal-rank fusion of the text and vector ranks (k = 60). */
  rrf: z.number(),
  recency: z.number(),
  trust: z.number(),
  usage: z.number(),
  salience: z.number(),
  source_weight: z.number(),
  final: z.number(),
});
export type ScoreBreakdown = z.infer<typeof ScoreBreakdown>;

export const SearchParams = z.object({
  query: z.string().trim().min(1, 'must not be empty').max(2000),
  top_k: zInt.pipe(z.number().int().min(1).max(50)).default(6),
  run_id: Tag.optional(),
  chat_id: Tag.optional(),
  mission_id: Tag.optional(),
  source_weight: z.partialRecord(Source, zNum.pipe(z.number().min(0).max(10))).default({}),
  layers: z.array(Layer).max(4).optional(),
  repo: Tag.optional(),
  persona: Tag.optional(),
  as_of: AsOf.optional(),
});
export const SearchItem = z.object({
  capsule_id: z.number().int(),
  score: z.number(),
  text: z.string(),
  source: Source,
  layer: Layer,
  kind: Kind,
  score_breakdown: ScoreBreakdown,
  admission_reason: z.string(),
  conflict_flag: z.boolean(),
  duplicate_cluster_id: z.number().int().nullable(),
});
export const SearchResult = z.object({
  ok: z.boolean(),
  query: z.string(),
  items: z.array(SearchItem),
  /** The recorded context (when run_id, chat_id or mission_id was given). */
  context_id: z.number().int().nullable(),
  vector_used: z.boolean(),
  vector_note: z.string().nullable(),
  took_ms: z.number(),
});
export const search = defineMethod({
  method: 'agentora/memory/search',
  scope: 'agent',
  description:
    'Retrieve memories: FTS5 BM25 fused with embedding similarity (RRF), weighted by recency, trust, usage and salience. Excludes archived, superseded and duplicate-suppressed memories.',
  params: SearchParams,
  result: SearchResult,
  rest: [
    { verb: 'POST', path: '/api/capsules/search', wire: W.search },
    { verb: 'POST', path: '/api/memory/search' },
  ],
});

export const ContextItem = z.object({
  position: z.number().int(),
  capsule_id: z.number().int(),
  text: z.string(),
  score: z.number(),
  score_breakdown: ScoreBreakdown,
  admitted: z.boolean(),
  reason: z.string(),
});
export const Context = z.object({
  context_id: z.number().int(),
  owner_kind: z.enum(['run', 'chat', 'mission']),
  owner_id: z.string(),
  query: z.string(),
  top_k: z.number().int(),
  as_of: z.string().nullable(),
  vector_used: z.boolean(),
  vector_note: z.string().nullable(),
  fts_candidates: z.number().int(),
  vector_candidates: z.number().int(),
  took_ms: z.number(),
  created_at: z.string(),
  items: z.array(ContextItem),
});
export type Context = z.infer<typeof Context>;
const RunParams = z.object({ run_id: Tag, ...pagination(50, 500) });
export const runContexts = defineMethod({
  method: 'agentora/memory/runContexts',
  scope: 'agent',
  description: 'The contexts of a run, chat or mission: each retrieval, the memories admitted (and why).',
  params: RunParams,
  result: z.object({ ok: z.boolean(), run_id: z.string(), contexts: z.array(Context), total: z.number().int() }),
  rest: { verb: 'GET', path: '/api/memory/runs/:run_id/contexts', wire: W.items('contexts') },
  readOnly: true,
});
export const runRetrieval = defineMethod({
  method: 'agentora/memory/runRetrieval',
  scope: 'agent',
  description: 'Every candidate considered for a run, chat or mission, admitted or not, with scores.',
  params: RunParams,
  result: z.object({
    ok: z.boolean(),
    run_id: z.string(),
    items: z.array(ContextItem.extend({ context_id: z.number().int(), query: z.string(), layer: Layer.nullable() })),
    total: z.number().int(),
  }),
  rest: { verb: 'GET', path: '/api/memory/runs/:run_id/retrieval', wire: W.retrieval },
  readOnly: true,
});
export const TraceEvent = z.object({
  at: z.string(),
  context_id: z.number().int(),
  step: z.enum(['query', 'text', 'vector', 'admitted', 'rejected']),
  detail: z.string(),
  capsule_id: z.number().int().nullable(),
});
export const runTrace = defineMethod({
  method: 'agentora/memory/runTrace',
  scope: 'agent',
  description: 'A readable trace of the retrievals of a run, chat or mission, step by step.',
  params: RunParams,
  result: z.object({ ok: z.boolean(), run_id: z.string(), events: z.array(TraceEvent) }),
  rest: { verb: 'GET', path: '/api/memory/runs/:run_id/trace', wire: W.trace },
  readOnly: true,
});

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

export const memoryMethods = [
  create,
  get,
  list,
  update,
  archive,
  restore,
  remove,
  history,
  promote,
  demote,
  refine,
  layers,
  lineage,
  neighbors,
  upload,
  batches,
  undoBatch,
  search,
  runContexts,
  runRetrieval,
  runTrace,
  conflicts,
  duplicates,
  accept,
  reject,
  runMaintenance,
  scanConflicts,
  scanDuplicates,
  jobs,
  job,
  undo,
  health,
] as const;
export const memoryNotifications = [didProgress, didChange] as const;
