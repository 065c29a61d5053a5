// Neighbors of a memory: the most similar current memories. With embeddings, cosine over the same bounded
// candidate set search uses (the memory's own text matches plus the recent/popular pool); otherwise BM25 on its
// own words, with similarity = the score relative to the best match.
import * as M from '../../protocol/memory';
import { implement } from '../registry';
import { mustGet } from './capsules';
import { embedModel } from './embedder';
import { loadRows, poolIds, textSearch, vectorScores } from './search';
import { decodeVector } from './vectors';
import { snippet } from './text';
import { sql } from './store';

export const neighborServices = [
  implement(M.neighbors, (p, ctx) => {
    const row = mustGet(ctx, p.capsule_id);
    const text = row.text ? textSearch(ctx, row.text) : null;
    const textIds = text?.ids.filter((id) => id !== row.id) ?? [];
    const model = embedModel(ctx);
    const own = model
      ? (sql(ctx.db, 'SELECT vec FROM memory_embeddings WHERE memory_id = ? AND model = ?').get(row.id, model) as { vec: Buffer } | undefined)
      : undefined;
    let method: 'vector' | 'text' = 'text';
    let scored: [number, number][];
    if (model && own) {
      method = 'vector';
      const ids = [...new Set([...textIds, ...poolIds(ctx)])].filter((id) => id !== row.id);
      scored = [...vectorScores(ctx, model, decodeVector(own.vec), ids).entries()];
    } else {
      const ranked = text ? text.rank(loadRows(ctx, textIds)) : [];
      const best = ranked[0]?.bm25 ?? 1;
      scored = ranked.map((r) => [r.id, r.bm25 / best]);
    }
    const rows = loadRows(
      ctx,
      scored.map(([id]) => id),
    );
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
