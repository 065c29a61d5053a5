// The full-text pass, bounded for 200k memories. FTS5's bm25() costs one to two microseconds per matching row (it
// looks up each row's length), so ranking "OR" over a term found in 80k memories alone blows the budget. Instead:
//   1. each query term's document frequency (for IDF) is counted when it is rare; for a frequent term it is
//      estimated from how far back its DF_SAMPLE-th newest match lies (a bounded walk down its doclist), then
//      cached for a few minutes;
//   2. the rarest terms whose frequencies sum to at most RANK_BUDGET are "anchors": FTS5 ranks their OR by
//      bm25 (bounded work: about 1.5 ms at 1,000 rows; at 4,000 this one step was half of a search at 200k) and
//      returns the top ANCHOR_K;
//   3. if even the rarest term is too common, the newest COMMON_K memories containing the rarest terms (AND) are
//      taken instead — FTS5 walks a doclist backwards by rowid cheaply;
//   4. every candidate is then scored with BM25 over *all* query terms in JavaScript (tokens of its text; a light
//      suffix-stripping stemmer stands in for FTS5's porter stemmer), so common terms still count in the ranking.
import type { DbCtx } from './candidates';
import { contentWords, words } from './text';

export const RANK_BUDGET = 1000;
export const ANCHOR_K = 60;
export const COMMON_K = 60;
const DF_TTL_MS = 5 * 60_000;
const K1 = 1.2;
const B = 0.75;

interface TextState {
  /** Document frequencies: frequent terms for DF_TTL_MS, rare ones while no memory was added (maxId). */
  df: Map<string, { n: number; at: number; maxId: number }>;
  total: { n: number; maxId: number; avgLen: number; at: number } | null;
  /** Term frequencies of recently scored memories (the same candidates come back across queries). */
  tf: Map<number, { text: string; tf: Map<string, number>; len: number }>;
}
const TF_CACHE = 50_000;

/** Terms with at least this many matches get an estimated frequency instead of a full count. */
const DF_SAMPLE = 2000;
const states = new WeakMap<object, TextState>();

function prepare(ctx: DbCtx) {
  const db = ctx.db;
  return {
    count: db.prepare('SELECT COUNT(*) AS n FROM memories_fts WHERE memories_fts MATCH ?'),
    maxId: db.prepare('SELECT MAX(id) AS m FROM memories'),
    nth: db.prepare('SELECT rowid AS id FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?'),
    ranked: db.prepare('SELECT rowid AS id FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rank LIMIT ?'),
    newest: db.prepare('SELECT rowid AS id FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rowid DESC LIMIT ?'),
    // Average length from a sample of recent memories is plenty for BM25's length normalisation. `+status`: with the
    // status index the planner sorted every active memory by id (0.3–0.5 s at 200k, every DF_TTL_MS); it walks ids.
    // The active count is kept by triggers (migration 24): counting 200k index entries took a second on a cold cache.
    stats: db.prepare(`SELECT (SELECT n FROM memory_counters WHERE key = 'status:active') AS n, (SELECT MAX(id) FROM memories) AS max_id,
      (SELECT AVG(LENGTH(text)) FROM (SELECT text FROM memories WHERE +status = 'active' ORDER BY id DESC LIMIT 2000)) AS avg_chars`),
  };
}
const cache = new WeakMap<object, ReturnType<typeof prepare>>();
function stmts(ctx: DbCtx) {
  let s = cache.get(ctx.db);
  if (!s) cache.set(ctx.db, (s = prepare(ctx)));
  return s;
}
function state(ctx: DbCtx): TextState {
  let s = states.get(ctx.db);
  if (!s) states.set(ctx.db, (s = { df: new Map(), total: null, tf: new Map() }));
  return s;
}

/** A light stemmer used on both sides of the JavaScript scoring (FTS5's porter stemmer decides matching). */
export function stem(w: string): string {
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'i';
  if (w.endsWith('ing') && w.length > 5) return w.slice(0, -3);
  if (w.endsWith('ed') && w.length > 4) return w.slice(0, -2);
  if (w.endsWith('es') && w.length > 4) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** An FTS5 phrase for one term: always quoted, so user text can never be FTS5 query syntax. */
export const phrase = (t: string) => `"${t.replace(/"/g, '""')}"`;

function corpus(ctx: DbCtx): { n: number; maxId: number; avgLen: number } {
  const s = state(ctx);
  const now = Date.now();
  if (!s.total || now - s.total.at > DF_TTL_MS) {
    const r = stmts(ctx).stats.get() as { n: number; max_id: number | null; avg_chars: number | null };
    s.total = { n: Math.max(1, r.n), maxId: r.max_id ?? 0, avgLen: Math.max(1, (r.avg_chars ?? 30) / 6), at: now };
  }
  return s.total;
}

export function docFrequency(ctx: DbCtx, term: string, maxId = currentMaxId(ctx)): number {
  const s = state(ctx);
  const now = Date.now();
  const hit = s.df.get(term);
  // A rare term's count stays exact while no memory was added (a new one may contain it: count again).
  if (hit && now - hit.at < DF_TTL_MS && (hit.n >= DF_SAMPLE || hit.maxId === maxId)) return hit.n;
  const st = stmts(ctx);
  const nth = st.nth.get(phrase(term), DF_SAMPLE - 1) as { id: number } | undefined;
  let n: number;
  if (!nth) n = (st.count.get(phrase(term)) as { n: number }).n;
  else {
    // DF_SAMPLE matches among the memories since rowid nth.id: scale that density to the whole store.
    const c = corpus(ctx);
    n = Math.min(c.n, Math.round((DF_SAMPLE * c.n) / Math.max(DF_SAMPLE, c.maxId - nth.id + 1)));
  }
  if (s.df.size > 20000) s.df.clear();
  s.df.set(term, { n, at: now, maxId });
  return n;
}

/** The newest memory id: when it moves, cached counts of rare terms are recounted (one index lookup). */
function currentMaxId(ctx: DbCtx): number {
  return (stmts(ctx).maxId.get() as { m: number | null }).m ?? 0;
}

export interface TextHit {
  id: number;
  score: number;
}

export interface TextPlan {
  terms: string[];
  anchors: string[];
  mode: 'ranked' | 'newest' | 'none';
}

export function planText(ctx: DbCtx, query: string, maxTerms = 12): TextPlan & { df: Map<string, number> } {
  let terms = [...new Set(contentWords(query))];
  if (!terms.length) terms = [...new Set(words(query))];
  terms = terms.slice(0, maxTerms);
  const maxId = currentMaxId(ctx);
  const df = new Map(terms.map((t) => [t, docFrequency(ctx, t, maxId)]));
  const present = terms.filter((t) => df.get(t)! > 0).sort((a, b) => df.get(a)! - df.get(b)!);
  const anchors: string[] = [];
  let sum = 0;
  for (const t of present) {
    if (sum + df.get(t)! > RANK_BUDGET) break;
    anchors.push(t);
    sum += df.get(t)!;
  }
  if (anchors.length) return { terms, anchors, mode: 'ranked', df };
  if (present.length) return { terms, anchors: present.slice(0, 2), mode: 'newest', df };
  return { terms, anchors: [], mode: 'none', df };
}

/** Candidate ids from FTS5, bounded as described above. */
export function textCandidateIds(ctx: DbCtx, plan: TextPlan): number[] {
  const s = stmts(ctx);
  if (plan.mode === 'ranked') return (s.ranked.all(plan.anchors.map(phrase).join(' OR '), ANCHOR_K) as { id: number }[]).map((r) => r.id);
  if (plan.mode === 'newest') {
    const both = s.newest.all(plan.anchors.map(phrase).join(' AND '), COMMON_K) as { id: number }[];
    const rarest = both.length < COMMON_K && plan.anchors.length > 1 ? (s.newest.all(phrase(plan.anchors[0]!), COMMON_K) as { id: number }[]) : [];
    // Matches of both first, then the rarest term's newest, COMMON_K in all (each candidate is read and scored).
    return [...new Set([...both, ...rarest].map((r) => r.id))].slice(0, COMMON_K);
  }
  return [];
}

/** BM25 over all query terms for candidate texts (higher is better). A candidate FTS5 matched but the light
 *  stemmer does not (e.g. "ran" for "running") keeps a small score: it is still a text match. */
export function bm25Scores(ctx: DbCtx, plan: TextPlan & { df: Map<string, number> }, texts: Map<number, string>): Map<number, number> {
  const { n, avgLen } = corpus(ctx);
  const q = plan.terms.map((t) => ({ stem: stem(t), idf: Math.log(1 + (n - plan.df.get(t)! + 0.5) / (plan.df.get(t)! + 0.5)) }));
  const out = new Map<number, number>();
  const cache = state(ctx).tf;
  for (const [id, text] of texts) {
    let entry = cache.get(id);
    if (!entry || entry.text !== text) {
      const toks = words(text).map(stem);
      const tf = new Map<string, number>();
      for (const w of toks) tf.set(w, (tf.get(w) ?? 0) + 1);
      if (cache.size >= TF_CACHE) cache.delete(cache.keys().next().value!);
      cache.set(id, (entry = { text, tf, len: toks.length }));
    }
    const { tf, len } = entry;
    const norm = K1 * (1 - B + (B * len) / avgLen);
    let score = 0;
    for (const { stem: st, idf } of q) {
      const f = tf.get(st) ?? 0;
      if (f) score += (idf * f * (K1 + 1)) / (f + norm);
    }
    out.set(id, score > 0 ? score : Math.min(...q.map((x) => x.idf)) * 0.25);
  }
  return out;
}
