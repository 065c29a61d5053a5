// Everything retrieval needs about its candidates: the scoring columns and text of each memory and its vector of
// the embedding model, found by primary key. Rows come as raw arrays (better-sqlite3 builds an object per row
// otherwise: about twice the time at a few hundred rows). At 200k memories reading them was most of a search's
// time: rows, then vectors through the model index (two B-tree seeks and a 1 KB copy a vector). Now vectors come
// from a cache kept until a vector is written, and the recent / popular pool, the same for every query until the
// database changes, is kept whole.
import type { Db } from '../../store/db';

/** Retrieval reads only the connection: on the event loop or in a retrieval thread (retrievalPool.ts). */
export type DbCtx = { db: Db };
import type { MemoryRow } from './store';
import { decodeVector } from './vectors';

/** The columns scoring and the answer read. */
export type CandidateRow = Pick<
  MemoryRow,
  | 'id'
  | 'text'
  | 'kind'
  | 'source'
  | 'layer'
  | 'trust'
  | 'salience'
  | 'use_count'
  | 'touched_at'
  | 'created_at'
  | 'updated_at'
  | 'valid_from'
  | 'valid_to'
  | 'status'
  | 'repo'
  | 'persona'
  | 'mock'
> & {
  /** touched_at in epoch ms, parsed once when the row is read (recency is scored for every candidate). */
  touched_ms: number;
};

function prepare(ctx: DbCtx) {
  // json_each drives the joins: memories and vectors are found by primary key.
  return {
    rows: ctx.db
      .prepare(
        `SELECT m.id, m.text, m.kind, m.source, m.layer, m.trust, m.salience, m.use_count, m.touched_at, m.created_at, m.updated_at,
           m.valid_from, m.valid_to, m.status, m.repo, m.persona, m.mock
         FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value`,
      )
      .raw(true),
    vectors: ctx.db
      .prepare('SELECT e.memory_id, e.vec FROM json_each(?) j CROSS JOIN memory_embeddings e ON e.memory_id = j.value WHERE e.model = ?')
      .raw(true),
    vectorEpoch: ctx.db.prepare('SELECT n FROM memory_vector_epoch WHERE k = 1').pluck(),
    recent: ctx.db.prepare(`SELECT id FROM memories WHERE status = 'active' ORDER BY touched_at DESC LIMIT ?`).pluck(),
    popular: ctx.db.prepare(`SELECT id FROM memories WHERE status = 'active' AND use_count > 0 ORDER BY use_count DESC LIMIT ?`).pluck(),
    // Changes when this connection writes anything (total_changes) or another connection commits (data_version).
    generation: ctx.db.prepare('SELECT total_changes(), data_version FROM pragma_data_version').raw(true),
  };
}
interface Pool extends Candidates {
  key: string;
  ids: number[];
}
/**
 * Vectors read by recent searches (null: the memory has none of this model). A vector never changes without a
 * write to memory_embeddings, and every such write moves memory_vector_epoch (triggers, migration 25): the cache
 * is dropped when the epoch or the model moves. Bounded by VECTOR_CACHE_BYTES.
 */
interface VectorCache {
  epoch: number;
  model: string;
  map: Map<number, Float32Array | null>;
  bytes: number;
}
const VECTOR_CACHE_BYTES = 32 * 1024 * 1024;
const cache = new WeakMap<object, { s: ReturnType<typeof prepare>; pool: Pool | null; vectors: VectorCache | null }>();
function stateOf(ctx: DbCtx) {
  let s = cache.get(ctx.db);
  if (!s) cache.set(ctx.db, (s = { s: prepare(ctx), pool: null, vectors: null }));
  return s;
}

export interface Candidates {
  rows: Map<number, CandidateRow>;
  /** Unit vectors of the model, for candidates that have one. */
  vectors: Map<number, Float32Array>;
}

function vectorsOf(ctx: DbCtx, ids: number[], model: string): Map<number, Float32Array> {
  const st = stateOf(ctx);
  const epoch = st.s.vectorEpoch.get() as number;
  if (!st.vectors || st.vectors.epoch !== epoch || st.vectors.model !== model) st.vectors = { epoch, model, map: new Map(), bytes: 0 };
  const vc = st.vectors;
  const out = new Map<number, Float32Array>();
  const missing: number[] = [];
  for (const id of ids) {
    const v = vc.map.get(id);
    if (v === undefined) missing.push(id);
    else if (v) out.set(id, v);
  }
  if (missing.length) {
    if (vc.bytes > VECTOR_CACHE_BYTES) {
      vc.map.clear();
      vc.bytes = 0;
    }
    const found = new Map((st.s.vectors.all(JSON.stringify(missing), model) as [number, Buffer][]).map(([id, b]) => [id, b]));
    for (const id of missing) {
      const b = found.get(id);
      // A copy: the cached vector must not pin (or alias) a buffer better-sqlite3 hands out.
      const v = b ? new Float32Array(decodeVector(b)) : null;
      vc.map.set(id, v);
      vc.bytes += (v?.byteLength ?? 0) + 48;
      if (v) out.set(id, v);
    }
  }
  return out;
}

/** Load candidates `ids` (text included), and with `model` their vectors of that model. */
export function loadCandidates(ctx: DbCtx, ids: number[], model: string | null): Candidates {
  const { s } = stateOf(ctx);
  const rows = new Map<number, CandidateRow>();
  for (const r of s.rows.all(JSON.stringify(ids)) as unknown[][]) {
    const id = r[0] as number;
    rows.set(id, {
      id,
      text: r[1] as string,
      kind: r[2] as CandidateRow['kind'],
      source: r[3] as CandidateRow['source'],
      layer: r[4] as CandidateRow['layer'],
      trust: r[5] as number,
      salience: r[6] as number,
      use_count: r[7] as number,
      touched_at: r[8] as string,
      touched_ms: Date.parse(r[8] as string),
      created_at: r[9] as string,
      updated_at: r[10] as string,
      valid_from: r[11] as string,
      valid_to: r[12] as string | null,
      status: r[13] as CandidateRow['status'],
      repo: r[14] as string | null,
      persona: r[15] as string | null,
      mock: r[16] as number,
    });
  }
  return { rows, vectors: model ? vectorsOf(ctx, [...rows.keys()], model) : new Map() };
}

/**
 * The recent / popular pool the vector pass scores besides the text matches (`recent` most recently touched and
 * `popular` most used current memories), loaded like any candidate. It is the same for every query until the
 * database changes, so it is kept until then: a search reads only its own text matches.
 */
export function poolCandidates(ctx: DbCtx, model: string, recent: number, popular: number): Pool {
  const st = stateOf(ctx);
  const [changes, dataVersion] = st.s.generation.get() as [number, number];
  const key = `${changes}:${dataVersion}:${model}:${recent}:${popular}`;
  if (st.pool?.key === key) return st.pool;
  const ids = [...new Set([...(st.s.recent.all(recent) as number[]), ...(st.s.popular.all(popular) as number[])])];
  st.pool = { key, ids, ...loadCandidates(ctx, ids, model) };
  return st.pool;
}
