// Retrieval. Always FTS5 (BM25); when a model serves embeddings, also cosine similarity — fused by reciprocal-
// rank fusion and weighted by recency, trust, usage, salience and the caller's per-source weights.
//
// Budget: p99 < 30 ms at 200k memories. The text pass is bounded (textsearch.ts). The vector pass never scans
// every stored vector: it scores only a bounded candidate set — the text candidates, plus the 100 most recently
// touched and 50 most used current memories (both read from indexes) — loaded by primary key (≤ 300 Float32
// BLOBs, well under a millisecond of dot products).
// The price: a memory with no word in common with the query, neither recent nor popular, is not found by
// meaning alone. An in-memory matrix of all vectors would lift that, but costs 200 MB at 200k × 256 dims.
import type { ServerContext } from '../../context';
import type { ScoreBreakdown, SearchParams, SearchItem as SearchItemSchema, Source } from '../../protocol/memory';
import type { z } from 'zod';
import { flagsFor } from './proposals';
import { embedModel, embedQuery, hasVectors } from './embedder';
import { decodeVector, dot } from './vectors';
import { isoOf, nowIso } from './text';
import { bm25Scores, planText, textCandidateIds } from './textsearch';
import type { MemoryRow } from './store';
import { loadCandidates, poolCandidates, type CandidateRow } from './candidates';

const RECENT_POOL = 100;
const POPULAR_POOL = 50;
const RRF_K = 60;
/** A memory found only by embedding must be at least this similar to be admitted. */
export const VECTOR_ADMIT = 0.5;
/** How many candidates of one retrieval are recorded in its context (admitted ones always are). */
export const RECORD_LIMIT = 30;

type Params = z.output<typeof SearchParams>;

export interface Scored {
  row: CandidateRow;
  breakdown: ScoreBreakdown;
  admitted: boolean;
  reason: string;
  conflict: boolean;
  cluster: number | null;
}

export interface Retrieval {
  items: Scored[];
  considered: Scored[];
  vectorUsed: boolean;
  vectorNote: string | null;
  ftsCandidates: number;
  vectorCandidates: number;
  tookMs: number;
}

function prepare(ctx: ServerContext) {
  const db = ctx.db;
  return {
    recent: db.prepare(`SELECT id FROM memories WHERE status = 'active' ORDER BY touched_at DESC LIMIT ?`),
    popular: db.prepare(`SELECT id FROM memories WHERE status = 'active' AND use_count > 0 ORDER BY use_count DESC LIMIT ?`),
    vectors: db.prepare('SELECT memory_id AS id, vec FROM memory_embeddings WHERE model = ? AND memory_id IN (SELECT value FROM json_each(?))'),
    rows: db.prepare(`SELECT id, text, kind, source, layer, trust, salience, use_count, touched_at, created_at, valid_from, valid_to, status, repo, persona, mock
      FROM memories WHERE id IN (SELECT value FROM json_each(?))`),
  };
}
const cache = new WeakMap<object, ReturnType<typeof prepare>>();
function stmts(ctx: ServerContext) {
  let s = cache.get(ctx.db);
  if (!s) cache.set(ctx.db, (s = prepare(ctx)));
  return s;
}

/** Full-text candidates scored with BM25 (see textsearch.ts), best first. */
export function textSearch(
  ctx: ServerContext,
  query: string,
): { ids: number[]; rank: (rows: Map<number, Pick<MemoryRow, 'text'>>) => { id: number; bm25: number }[] } {
  const plan = planText(ctx, query);
  const ids = textCandidateIds(ctx, plan);
  return {
    ids,
    rank(rows) {
      const texts = new Map(ids.filter((id) => rows.has(id)).map((id) => [id, rows.get(id)!.text]));
      return [...bm25Scores(ctx, plan, texts).entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id, bm25]) => ({ id, bm25 }));
    },
  };
}

/** Cosine of the query vector with each candidate that has a vector of this model. */
export function vectorScores(ctx: ServerContext, model: string, qv: Float32Array, ids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of stmts(ctx).vectors.all(model, JSON.stringify(ids)) as { id: number; vec: Buffer }[]) out.set(r.id, dot(qv, decodeVector(r.vec)));
  return out;
}

export function poolIds(ctx: ServerContext): number[] {
  const s = stmts(ctx);
  return [...(s.recent.all(RECENT_POOL) as { id: number }[]), ...(s.popular.all(POPULAR_POOL) as { id: number }[])].map((r) => r.id);
}

export function loadRows(ctx: ServerContext, ids: number[]): Map<number, MemoryRow> {
  return new Map((stmts(ctx).rows.all(JSON.stringify(ids)) as MemoryRow[]).map((r) => [r.id, r]));
}

const DAY = 86_400_000;

function believedAt(r: CandidateRow, t: string | null): boolean {
  if (r.status !== 'active') return false;
  if (t === null) return r.valid_to === null;
  return r.created_at <= t && r.valid_from <= t && (r.valid_to === null || r.valid_to > t);
}

function describe(b: ScoreBreakdown, r: CandidateRow): string {
  const parts: string[] = [];
  if (b.text_rank !== null) parts.push(`text match (bm25 rank ${b.text_rank})`);
  if (b.vector_cosine !== null) parts.push(`semantic ${b.vector_cosine.toFixed(2)}${b.vector_rank !== null ? ` (rank ${b.vector_rank})` : ''}`);
  parts.push(`trust ${r.trust.toFixed(2)}`);
  if (r.use_count) parts.push(`used ${r.use_count}×`);
  return parts.join(' + ');
}

export interface RetrieveOptions {
  /** For a real-mode mission: memories made in mock mode are never admitted (each says so in its reason). */
  excludeMock?: boolean;
}

export async function retrieve(ctx: ServerContext, p: Params, opts: RetrieveOptions = {}): Promise<Retrieval> {
  const t0 = performance.now();
  const asOf = p.as_of ? isoOf(p.as_of) : null;
  const now = asOf ?? nowIso();
  const text = textSearch(ctx, p.query);

  let vectorUsed = false;
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
  // The text matches are read with their vectors in one statement; the recent / popular pool comes from a cache
  // that lives until the database changes (candidates.ts).
  const pool = qv ? poolCandidates(ctx, model!, RECENT_POOL, POPULAR_POOL) : null;
  const { rows, vectors } = loadCandidates(ctx, pool ? text.ids.filter((id) => !pool.rows.has(id)) : text.ids, qv ? model : null);
  const cos = new Map<number, number>();
  if (qv && pool) {
    for (const [id, r] of pool.rows) if (!rows.has(id)) rows.set(id, r);
    for (const [id, v] of pool.vectors) if (!vectors.has(id)) vectors.set(id, v);
    for (const [id, v] of vectors) cos.set(id, dot(qv, v));
    vectorUsed = true;
  }
  const vecOrder = [...cos.entries()].filter(([, c]) => c > 0).sort((a, b) => b[1] - a[1]);
  const vecRank = new Map(vecOrder.map(([id], i) => [id, i + 1]));

  const fts = text.rank(rows);
  // Scored: every text match, and pool members that are at all similar (as before the reads were merged).
  const scoredIds = [...new Set([...text.ids, ...vecRank.keys()])];
  const textRank = new Map(fts.map((r, i) => [r.id, { rank: i + 1, bm25: r.bm25 }]));
  const weights = p.source_weight as Partial<Record<Source, number>>;
  const nowMs = Date.parse(now);
  const scored: Scored[] = [];
  for (const id of scoredIds) {
    const r = rows.get(id);
    if (!r || !believedAt(r, asOf)) continue;
    if (p.layers?.length && !p.layers.includes(r.layer)) continue;
    if (p.repo && r.repo !== p.repo) continue;
    if (p.persona && r.persona !== p.persona) continue;
    const tr = textRank.get(id);
    const vr = vecRank.get(id) ?? null;
    const rrf = (tr ? 1 / (RRF_K + tr.rank) : 0) + (vr ? 1 / (RRF_K + vr) : 0);
    const ageDays = Math.max(0, (nowMs - Date.parse(r.touched_at)) / DAY);
    const recency = Math.exp(-ageDays / 30);
    const usage = Math.min(1, Math.log1p(r.use_count) / Math.log1p(50));
    const sw = weights[r.source] ?? 1;
    const signals = 0.6 + 0.15 * r.trust + 0.15 * recency + 0.1 * usage;
    const final = rrf * RRF_K * signals * (0.5 + 0.5 * r.salience) * sw;
    const breakdown: ScoreBreakdown = {
      bm25: tr ? round(tr.bm25) : null,
      text_rank: tr?.rank ?? null,
      vector_cosine: cos.has(id) ? round(cos.get(id)!) : null,
      vector_rank: vr,
      rrf: round(rrf),
      recency: round(recency),
      trust: r.trust,
      usage: round(usage),
      salience: r.salience,
      source_weight: sw,
      final: round(final),
    };
    scored.push({ row: r, breakdown, admitted: false, reason: '', conflict: false, cluster: null });
  }
  scored.sort((a, b) => b.breakdown.final - a.breakdown.final || a.row.id - b.row.id);

  const flags = flagsFor(
    ctx.db,
    scored.map((s) => s.row.id),
  );
  const clusterLead = new Map<number, number>();
  const items: Scored[] = [];
  scored.forEach((s, i) => {
    s.conflict = flags.conflicts.has(s.row.id);
    s.cluster = flags.cluster.get(s.row.id) ?? null;
    const relevant = s.breakdown.text_rank !== null || (s.breakdown.vector_cosine ?? 0) >= VECTOR_ADMIT;
    if (opts.excludeMock && s.row.mock === 1) s.reason = 'not admitted: made in mock mode, never given to a real-mode mission';
    else if (s.breakdown.source_weight === 0) s.reason = `not admitted: source '${s.row.source}' has weight 0`;
    else if (!relevant) s.reason = `not admitted: no text match and semantic ${s.breakdown.vector_cosine?.toFixed(2) ?? 'n/a'} < ${VECTOR_ADMIT}`;
    else if (s.cluster !== null && clusterLead.has(s.cluster))
      s.reason = `suppressed: duplicate of #${clusterLead.get(s.cluster)} (duplicate cluster ${s.cluster})`;
    else if (items.length >= p.top_k) s.reason = `not admitted: score rank ${i + 1} is below top_k ${p.top_k}`;
    else {
      s.admitted = true;
      s.reason = `admitted #${items.length + 1}: ${describe(s.breakdown, s.row)}${s.conflict ? ' — in an open conflict, check before relying on it' : ''}`;
      items.push(s);
    }
    if (s.cluster !== null && !clusterLead.has(s.cluster) && relevant) clusterLead.set(s.cluster, s.row.id);
  });
  return {
    items,
    considered: scored,
    vectorUsed,
    vectorNote,
    ftsCandidates: fts.length,
    vectorCandidates: cos.size,
    tookMs: round(performance.now() - t0),
  };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
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
