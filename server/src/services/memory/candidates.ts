// Everything retrieval needs about its candidates, in one statement: the scoring columns and text of each memory
// and its vector of the embedding model, found by primary key. Rows come as raw arrays (better-sqlite3 builds an
// object per row otherwise: about twice the time at a few hundred rows). At 200k memories the earlier two
// statements (rows, then vectors through the model index: two B-tree seeks a vector) were most of a search's time,
// and a third of the rows were the recent / popular pool, the same for every query: it is now cached.
import type { ServerContext } from '../../context';
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
>;

function prepare(ctx: ServerContext) {
  // json_each drives the join: memories and vectors are found by primary key.
  const cols = `m.id, m.text, m.kind, m.source, m.layer, m.trust, m.salience, m.use_count,
    m.touched_at, m.created_at, m.updated_at, m.valid_from, m.valid_to, m.status, m.repo, m.persona, m.mock`;
  return {
    withVectors: ctx.db
      .prepare(
        `SELECT ${cols}, e.vec FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value
         LEFT JOIN memory_embeddings e ON e.memory_id = m.id AND e.model = ?`,
      )
      .raw(true),
    rowsOnly: ctx.db.prepare(`SELECT ${cols}, NULL FROM json_each(?) j CROSS JOIN memories m ON m.id = j.value`).raw(true),
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
const cache = new WeakMap<object, { s: ReturnType<typeof prepare>; pool: Pool | null }>();
function stateOf(ctx: ServerContext) {
  let s = cache.get(ctx.db);
  if (!s) cache.set(ctx.db, (s = { s: prepare(ctx), pool: null }));
  return s;
}

export interface Candidates {
  rows: Map<number, CandidateRow>;
  /** Unit vectors of the model, for candidates that have one. */
  vectors: Map<number, Float32Array>;
}

/** Load candidates `ids` (text included), and with `model` their vectors of that model. */
export function loadCandidates(ctx: ServerContext, ids: number[], model: string | null): Candidates {
  const { s } = stateOf(ctx);
  const raw = (model ? s.withVectors.all(JSON.stringify(ids), model) : s.rowsOnly.all(JSON.stringify(ids))) as unknown[][];
  const rows = new Map<number, CandidateRow>();
  const vectors = new Map<number, Float32Array>();
  for (const r of raw) {
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
      created_at: r[9] as string,
      updated_at: r[10] as string,
      valid_from: r[11] as string,
      valid_to: r[12] as string | null,
      status: r[13] as CandidateRow['status'],
      repo: r[14] as string | null,
      persona: r[15] as string | null,
      mock: r[16] as number,
    });
    if (r[17]) vectors.set(id, decodeVector(r[17] as Buffer));
  }
  return { rows, vectors };
}

/**
 * The recent / popular pool the vector pass scores besides the text matches (`recent` most recently touched and
 * `popular` most used current memories), loaded like any candidate. It is the same for every query until the
 * database changes, so it is kept until then: a search reads only its own text matches.
 */
export function poolCandidates(ctx: ServerContext, model: string, recent: number, popular: number): Pool {
  const st = stateOf(ctx);
  const [changes, dataVersion] = st.s.generation.get() as [number, number];
  const key = `${changes}:${dataVersion}:${model}:${recent}:${popular}`;
  if (st.pool?.key === key) return st.pool;
  const ids = [...new Set([...(st.s.recent.all(recent) as number[]), ...(st.s.popular.all(popular) as number[])])];
  st.pool = { key, ids, ...loadCandidates(ctx, ids, model) };
  return st.pool;
}
