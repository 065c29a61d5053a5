// Retrieval. Always FTS5 (BM25); when a model serves embeddings, also cosine similarity — fused by reciprocal-
// rank fusion and weighted by recency, trust, usage, salience and the caller's per-source weights.
// This file is the event-loop half: it decides whether the vector pass runs and embeds the query (the model
// provider lives here), then hands the ranking (rank.ts) to a retrieval thread (retrievalPool.ts).
import type { ServerContext } from '../../context';
import type { SearchParams, SearchItem as SearchItemSchema, Source } from '../../protocol/memory';
import type { z } from 'zod';
import { embedModel, embedQuery, hasVectors } from './embedder';
import { rankOffLoop } from './retrievalPool';
import { round, textPass, type Ranked, type Scored } from './rank';

export { RECORD_LIMIT, VECTOR_ADMIT, type Scored } from './rank';

type Params = z.output<typeof SearchParams>;

export interface Retrieval extends Ranked {
  vectorUsed: boolean;
  vectorNote: string | null;
  /** Time to answer, waiting for a retrieval thread included. */
  tookMs: number;
}

export interface RetrieveOptions {
  /** For a real-mode mission: memories made in mock mode are never admitted (each says so in its reason). */
  excludeMock?: boolean;
  /** False when the caller records no context: `considered` then holds only the admitted items. Default true. */
  record?: boolean;
}

export async function retrieve(ctx: ServerContext, p: Params, opts: RetrieveOptions = {}): Promise<Retrieval> {
  const t0 = performance.now();
  let vectorNote: string | null = null;
  let qv: Float32Array | null = null;
  const model = embedModel(ctx);
  if (!model) vectorNote = 'embeddings are off (memory.embeddingsEnabled or no embed model): full-text only';
  else if (!hasVectors(ctx, model)) vectorNote = `no memory has a '${model}' embedding yet: full-text only`;
  else {
    try {
      qv = await embedQuery(ctx, model, p.query);
    } catch (err) {
      vectorNote = `query embedding failed (${(err as Error).message}): full-text only`;
    }
  }
  // The text pass (FTS5 lookups, ~0.4 ms) runs here, the rest of the ranking in a retrieval thread: under ten
  // concurrent searches the thread was the one saturated core (2.4 ms a search against the event loop's 1.1), so
  // moving this part over balances the two and the queue at the thread shrinks (bench/memory.ts prints both).
  const text = textPass(ctx, p.query);
  const ranked = await rankOffLoop(ctx, {
    text,
    query: p.query,
    top_k: p.top_k,
    ...(p.as_of ? { as_of: p.as_of } : {}),
    ...(p.layers?.length ? { layers: p.layers } : {}),
    ...(p.repo ? { repo: p.repo } : {}),
    ...(p.persona ? { persona: p.persona } : {}),
    source_weight: p.source_weight as Partial<Record<Source, number>>,
    excludeMock: !!opts.excludeMock,
    model: qv ? model : null,
    qv,
    ...(opts.record === false ? { record: false } : {}),
  });
  return { ...ranked, vectorUsed: !!qv, vectorNote, tookMs: round(performance.now() - t0) };
}

export function toItem(s: Scored): z.infer<typeof SearchItemSchema> {
  return {
    capsule_id: s.row.id,
    score: s.breakdown.final,
    text: s.row.text,
    source: s.row.source,
    layer: s.row.layer,
    kind: s.row.kind,
    score_breakdown: s.breakdown,
    admission_reason: s.reason,
    conflict_flag: s.conflict,
    duplicate_cluster_id: s.cluster,
  };
}
