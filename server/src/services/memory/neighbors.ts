// Neighbors of a memory: the most similar current memories. With embeddings, cosine over the same bounded
// candidate set search uses (the memory's own FTS matches plus the recent/popular pool); otherwise BM25 on its
// own words, with similarity = bm25 relative to the best match.
import * as M from '../../protocol/memory';
import { implement } from '../registry';
import { mustGet } from './capsules';
import { embedModel } from './embedder';
import { loadRows, poolIds, textCandidates, vectorScores } from './search';
import { decodeVector } from './vectors';
import { snippet } from './text';

export const neighborServices = [
  implement(M.neighbors, (p, ctx) => {
    const row = mustGet(ctx, p.capsule_id);
    const fts = row.text ? textCandidates(ctx, row.text, 200).filter((r) => r.id !== row.id) : [];
    const model = embedModel(ctx);
    const own = model ? (ctx.db.prepare('SELECT vec FROM memory_embeddings WHERE memory_id = ? AND model = ?').get(row.id, model) as { vec: Buffer } | undefined) : undefined;
    let method: 'vector' | 'text' = 'text';
    let scored: [number, number][];
    if (model && own) {
      method = 'vector';
      const ids = [...new Set([...fts.map((r) => r.id), ...poolIds(ctx)])].filter((id) => id !== row.id);
      scored = [...vectorScores(ctx, model, decodeVector(own.vec), ids).entries()];
    } else {
      const best = fts[0]?.bm25 ?? -1;
      scored = fts.map((r) => [r.id, best < 0 ? r.bm25 / best : 0]);
    }
    const rows = loadRows(ctx, scored.map(([id]) => id));
    const items = scored
      .filter(([id]) => {
        const r = rows.get(id);
        return r && r.status === 'active' && r.valid_to === null;
      })
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, p.limit)
      .map(([id, sim]) => {
        const r = rows.get(id)!;
        return { capsule_id: id, text: snippet(r.text, 240), layer: r.layer, similarity: Math.round(sim * 10000) / 10000 };
      });
    return { ok: true, capsule_id: row.id, method, items };
  }),
];
