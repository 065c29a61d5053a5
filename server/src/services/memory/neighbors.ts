// Neighbors of a memory: the most similar current memories. With embeddings, cosine over the same bounded
// candidate set search uses (the memory's own text matches plus the recent/popular pool); otherwise BM25 on its
// own words, with similarity = the score relative to the best match.
import * as M from '../../protocol/memory';
import { implement } from '../registry';
import { mustGet } from './capsules';
import { embedModel } from './embedder';
import { loadCandidates, poolCandidates } from './candidates';
import { bm25Scores, planText, textCandidateIds } from './textsearch';
import { RECENT_POOL, POPULAR_POOL } from './rank';
import { decodeVector, dot } from './vectors';
import { snippet } from './text';
import { sql } from './store';

export const neighborServices = [
  implement(M.neighbors, (p, ctx) => {
    const row = mustGet(ctx, p.capsule_id);
    const plan = row.text ? planText(ctx, row.text) : null;
    const textIds = plan ? textCandidateIds(ctx, plan).filter((id) => id !== row.id) : [];
    const model = embedModel(ctx);
    const own = model
      ? (sql(ctx.db, 'SELECT vec FROM memory_embeddings WHERE memory_id = ? AND model = ?').get(row.id, model) as { vec: Buffer } | undefined)
      : undefined;
    let method: 'vector' | 'text' = 'text';
    let scored: [number, number][];
    const { rows, vectors } = loadCandidates(ctx, textIds, own ? model : null);
    if (model && own) {
      method = 'vector';
      const pool = poolCandidates(ctx, model, RECENT_POOL, POPULAR_POOL);
      for (const [id, r] of pool.rows) if (!rows.has(id)) rows.set(id, r);
      for (const [id, v] of pool.vectors) if (!vectors.has(id)) vectors.set(id, v);
      const qv = decodeVector(own.vec);
      scored = [...vectors.entries()].filter(([id]) => id !== row.id).map(([id, v]) => [id, dot(qv, v)]);
    } else {
      const texts = new Map(textIds.filter((id) => rows.has(id)).map((id) => [id, rows.get(id)!.text]));
      const ranked = plan ? [...bm25Scores(ctx, plan, texts).entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]) : [];
      const best = ranked[0]?.[1] ?? 1;
      scored = ranked.map(([id, bm25]) => [id, bm25 / best]);
    }
    const items = scored
      .filter(([id]) => {
        const r = rows.get(id);
        return r && r.status === 'active' && r.valid_to === null;
      })
      .filter(([, sim]) => sim > 0.05)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, p.limit)
      .map(([id, sim]) => {
        const r = rows.get(id)!;
        return { capsule_id: id, text: snippet(r.text, 240), layer: r.layer, similarity: Math.round(sim * 10000) / 10000 };
      });
    return { ok: true, capsule_id: row.id, method, items };
  }),
];
