// Memory contract, part 3: retrieval (hybrid full-text + embeddings, with the score breakdown) and the
// contexts / retrieval trace recorded per run.
import { z } from 'zod';
import { defineMethod, pagination, zInt, zNum } from './define';
import * as W from './wire/memory';
import { Layer, Source, Kind, Tag, AsOf } from './memoryCapsules';

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
