// The database half of retrieval: text candidates, the recent / popular pool, fusion, weighting and admission.
// It needs only a connection (no models, no settings), so the same code runs on the server's event loop or in a
// retrieval thread with a read connection of its own (retrievalPool.ts); the query vector is made beforehand.
//
// Budget: p99 < 30 ms at 200k memories. The text pass is bounded (textsearch.ts). The vector pass never scans
// every stored vector: it scores only a bounded candidate set — the text candidates, plus the 100 most recently
// touched and 50 most used current memories — loaded by primary key (candidates.ts).
// The price: a memory with no word in common with the query, neither recent nor popular, is not found by
// meaning alone. An in-memory matrix of all vectors would lift that, but costs 200 MB at 200k × 256 dims.
import type { ScoreBreakdown, Source } from '../../protocol/memory';
import type { Db } from '../../store/db';
import { flagsFor } from './proposals';
import { dot } from './vectors';
import { isoOf, nowIso } from './text';
import { bm25Scores, planText, textCandidateIds } from './textsearch';
import { loadCandidates, poolCandidates, type CandidateRow } from './candidates';

export const RECENT_POOL = 100;
export const POPULAR_POOL = 50;
const RRF_K = 60;
/** A memory found only by embedding must be at least this similar to be admitted. */
export const VECTOR_ADMIT = 0.5;
/** How many candidates of one retrieval are recorded in its context (admitted ones always are). */
export const RECORD_LIMIT = 30;

/** What ranking needs: the search parameters, and the query's vector when the vector pass runs. */
export interface RankJob {
  query: string;
  top_k: number;
  as_of?: string;
  layers?: string[];
  repo?: string;
  persona?: string;
  source_weight: Partial<Record<Source, number>>;
  excludeMock: boolean;
  /** The embedding model and the query's unit vector under it; null: full-text only. */
  model: string | null;
  qv: Float32Array | null;
  /** False when no context will be recorded: ranking stops at top_k and `considered` holds only the admitted
   *  items (less to score, build and copy back from a retrieval thread). */
  record?: boolean;
  /** The text pass, when the caller ran it already (search.ts runs it on the event loop: see there why). */
  text?: TextPass;
}

/** The full-text half of candidate finding: the query's terms and their frequencies, and the matching ids. */
export interface TextPass {
  plan: ReturnType<typeof planText>;
  ids: number[];
}

export function textPass(c: { db: Db }, query: string): TextPass {
  const plan = planText(c, query);
  return { plan, ids: textCandidateIds(c, plan) };
}

export interface Scored {
  row: CandidateRow;
  breakdown: ScoreBreakdown;
  admitted: boolean;
  reason: string;
  conflict: boolean;
  cluster: number | null;
}

export interface Ranked {
  items: Scored[];
  /** The admitted items and the best RECORD_LIMIT others, in score order: what a context records. */
  considered: Scored[];
  ftsCandidates: number;
  vectorCandidates: number;
}

const DAY = 86_400_000;
const LOG_USE_CAP = Math.log1p(50);

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

export function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

export function rankMemories(c: { db: Db }, job: RankJob): Ranked {
  const asOf = job.as_of ? isoOf(job.as_of) : null;
  const now = asOf ?? nowIso();
  const { plan, ids: textIds } = job.text ?? textPass(c, job.query);
  const { qv, model } = job;
  // The text matches are read with their vectors in one statement; the recent / popular pool comes from a cache
  // that lives until the database changes (candidates.ts).
  const pool = qv && model ? poolCandidates(c, model, RECENT_POOL, POPULAR_POOL) : null;
  const { rows, vectors } = loadCandidates(c, pool ? textIds.filter((id) => !pool.rows.has(id)) : textIds, qv ? model : null);
  const cos = new Map<number, number>();
  if (qv && pool) {
    for (const [id, r] of pool.rows) if (!rows.has(id)) rows.set(id, r);
    for (const [id, v] of pool.vectors) if (!vectors.has(id)) vectors.set(id, v);
    for (const [id, v] of vectors) cos.set(id, dot(qv, v));
  }
  const vecOrder = [...cos.entries()].filter(([, x]) => x > 0).sort((a, b) => b[1] - a[1]);
  const vecRank = new Map(vecOrder.map(([id], i) => [id, i + 1]));

  const texts = new Map<number, string>();
  for (const id of textIds) {
    const r = rows.get(id);
    if (r) texts.set(id, r.text);
  }
  const fts = [...bm25Scores(c, plan, texts).entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  // Scored: every text match, and pool members that are at all similar.
  const scoredIds = [...new Set([...textIds, ...vecRank.keys()])];
  const textRank = new Map(fts.map(([id, bm25], i) => [id, { rank: i + 1, bm25 }]));
  const weights = job.source_weight;
  const nowMs = Date.parse(now);
  // First only the final score of every candidate (plain numbers); the breakdowns, flags and reasons are built
  // for the ones an answer or a context can show: a search scores a few hundred and shows at most top_k + 30.
  const finals: { r: CandidateRow; final: number; rrf: number; recency: number; usage: number; sw: number }[] = [];
  for (const id of scoredIds) {
    const r = rows.get(id);
    if (!r || !believedAt(r, asOf)) continue;
    if (job.layers?.length && !job.layers.includes(r.layer)) continue;
    if (job.repo && r.repo !== job.repo) continue;
    if (job.persona && r.persona !== job.persona) continue;
    const tr = textRank.get(id);
    const vr = vecRank.get(id);
    const rrf = (tr ? 1 / (RRF_K + tr.rank) : 0) + (vr ? 1 / (RRF_K + vr) : 0);
    const ageDays = Math.max(0, (nowMs - r.touched_ms) / DAY);
    const recency = Math.exp(-ageDays / 30);
    const usage = Math.min(1, Math.log1p(r.use_count) / LOG_USE_CAP);
    const sw = weights[r.source] ?? 1;
    const signals = 0.6 + 0.15 * r.trust + 0.15 * recency + 0.1 * usage;
    finals.push({ r, final: round(rrf * RRF_K * signals * (0.5 + 0.5 * r.salience) * sw), rrf, recency, usage, sw });
  }
  finals.sort((a, b) => b.final - a.final || a.r.id - b.r.id);

  const breakdownOf = (f: (typeof finals)[number]): ScoreBreakdown => {
    const id = f.r.id;
    const tr = textRank.get(id);
    return {
      bm25: tr ? round(tr.bm25) : null,
      text_rank: tr?.rank ?? null,
      vector_cosine: cos.has(id) ? round(cos.get(id)!) : null,
      vector_rank: vecRank.get(id) ?? null,
      rrf: round(f.rrf),
      recency: round(f.recency),
      trust: f.r.trust,
      usage: round(f.usage),
      salience: f.r.salience,
      source_weight: f.sw,
      final: f.final,
    };
  };
  // Open-proposal flags decide suppression, so they are read for a window ahead of the walk, widened if needed.
  const flags = { conflicts: new Set<number>(), cluster: new Map<number, number>() };
  let flagged = 0;
  const flagUpTo = (n: number) => {
    if (n <= flagged) return;
    const next = flagsFor(
      c.db,
      finals.slice(flagged, n).map((f) => f.r.id),
    );
    for (const id of next.conflicts) flags.conflicts.add(id);
    for (const [id, cl] of next.cluster) flags.cluster.set(id, cl);
    flagged = n;
  };
  const clusterLead = new Map<number, number>();
  const items: Scored[] = [];
  const considered: Scored[] = [];
  let others = 0;
  const recordLimit = job.record === false ? 0 : RECORD_LIMIT;
  for (let i = 0; i < finals.length && (items.length < job.top_k || others < recordLimit); i++) {
    if (i >= flagged) flagUpTo(Math.min(finals.length, i + job.top_k + recordLimit + 20));
    const f = finals[i]!;
    const b = breakdownOf(f);
    const s: Scored = {
      row: f.r,
      breakdown: b,
      admitted: false,
      reason: '',
      conflict: flags.conflicts.has(f.r.id),
      cluster: flags.cluster.get(f.r.id) ?? null,
    };
    const relevant = b.text_rank !== null || (b.vector_cosine ?? 0) >= VECTOR_ADMIT;
    if (job.excludeMock && s.row.mock === 1) s.reason = 'not admitted: made in mock mode, never given to a real-mode mission';
    else if (b.source_weight === 0) s.reason = `not admitted: source '${s.row.source}' has weight 0`;
    else if (!relevant) s.reason = `not admitted: no text match and semantic ${b.vector_cosine?.toFixed(2) ?? 'n/a'} < ${VECTOR_ADMIT}`;
    else if (s.cluster !== null && clusterLead.has(s.cluster))
      s.reason = `suppressed: duplicate of #${clusterLead.get(s.cluster)} (duplicate cluster ${s.cluster})`;
    else if (items.length >= job.top_k) s.reason = `not admitted: score rank ${i + 1} is below top_k ${job.top_k}`;
    else {
      s.admitted = true;
      s.reason = `admitted #${items.length + 1}: ${describe(b, s.row)}${s.conflict ? ' — in an open conflict, check before relying on it' : ''}`;
      items.push(s);
    }
    if (s.cluster !== null && !clusterLead.has(s.cluster) && relevant) clusterLead.set(s.cluster, s.row.id);
    if (s.admitted) considered.push(s);
    else if (others < recordLimit) {
      others++;
      considered.push(s);
    }
  }
  return { items, considered, ftsCandidates: fts.length, vectorCandidates: cos.size };
}
