// The memory repository: every SQL statement of the memory tables, prepared once per database and reused.
// Services call these; nothing else in the memory area writes SQL for the core tables.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../store/db';
import type { Capsule } from '../../protocol/memory';
import { toBlob, signature } from './minhash';
import { normHash, nowIso } from './text';

export interface MemoryRow {
  id: number;
  text: string;
  kind: Capsule['kind'];
  source: Capsule['source'];
  source_ref: string | null;
  scope: Capsule['scope'];
  repo: string | null;
  persona: string | null;
  layer: Capsule['layer'];
  trust: number;
  salience: number;
  use_count: number;
  last_used_at: string | null;
  last_decayed_at: string | null;
  touched_at: string;
  created_at: string;
  updated_at: string;
  valid_from: string;
  valid_to: string | null;
  status: Capsule['status'];
  norm_hash: string;
  version: number;
  embedded?: number;
  batch_id?: string | null;
  mock: number;
}

export interface NewMemory {
  text: string;
  kind: Capsule['kind'];
  source: Capsule['source'];
  source_ref?: string | null;
  scope: Capsule['scope'];
  repo?: string | null;
  persona?: string | null;
  layer: Capsule['layer'];
  trust: number;
  /** Made in mock mode (see migration 23). */
  mock?: boolean;
}

export function toCapsule(r: MemoryRow): Capsule {
  return {
    capsule_id: r.id,
    text: r.text,
    kind: r.kind,
    source: r.source,
    source_ref: r.source_ref,
    scope: r.scope,
    repo: r.repo,
    persona: r.persona,
    layer: r.layer,
    trust: r.trust,
    salience: r.salience,
    use_count: r.use_count,
    last_used_at: r.last_used_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
    valid_from: r.valid_from,
    valid_to: r.valid_to,
    status: r.status,
    version: r.version,
    embedded: !!r.embedded,
    current: r.status === 'active' && r.valid_to === null,
    batch_id: r.batch_id ?? null,
    mock: r.mock === 1,
  };
}

const SELECT_ROW = `SELECT m.*, EXISTS (SELECT 1 FROM memory_embeddings e WHERE e.memory_id = m.id) AS embedded FROM memories m`;

function prepare(db: Db) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    insert:
      p(`INSERT INTO memories (text, kind, source, source_ref, scope, repo, persona, layer, trust, salience, use_count, touched_at, created_at, updated_at, valid_from, status, norm_hash, version, mock)
      VALUES (@text, @kind, @source, @source_ref, @scope, @repo, @persona, @layer, @trust, 1, 0, @now, @now, @now, @now, 'active', @norm_hash, 1, @mock)`),
    insertSketch: p('INSERT OR REPLACE INTO memory_sketches (memory_id, minhash) VALUES (?, ?)'),
    enqueueEmbed: p(
      'INSERT INTO memory_embed_queue (memory_id, queued_at, attempts) VALUES (?, ?, 0) ON CONFLICT (memory_id) DO UPDATE SET queued_at = excluded.queued_at, attempts = 0',
    ),
    byId: p(`${SELECT_ROW} WHERE m.id = ?`),
    sameHash: p("SELECT id FROM memories WHERE norm_hash = ? AND status = 'active' AND valid_to IS NULL AND id <> ? ORDER BY id LIMIT 1"),
    saveVersion: p(`INSERT INTO memory_versions (memory_id, version, text, kind, layer, trust, status, valid_to, recorded_at, replaced_at, reason)
      VALUES (@id, @version, @text, @kind, @layer, @trust, @status, @valid_to, @updated_at, @now, @reason)`),
    update: p(`UPDATE memories SET text = @text, kind = @kind, layer = @layer, trust = @trust, scope = @scope, repo = @repo, persona = @persona,
      status = @status, valid_to = @valid_to, norm_hash = @norm_hash, version = version + 1, updated_at = @now, touched_at = @now WHERE id = @id`),
    link: p('INSERT OR IGNORE INTO memory_links (from_id, to_id, relation, note, created_at) VALUES (?, ?, ?, ?, ?)'),
    unlink: p('DELETE FROM memory_links WHERE from_id = ? AND to_id = ? AND relation = ?'),
    versions: p('SELECT * FROM memory_versions WHERE memory_id = ? ORDER BY version DESC'),
    versionAt: p('SELECT * FROM memory_versions WHERE memory_id = ? AND recorded_at <= ? AND replaced_at > ? ORDER BY version DESC LIMIT 1'),
    erase: p(
      `UPDATE memories SET text = '', status = 'deleted', norm_hash = '', version = version + 1, updated_at = @now, touched_at = @now, valid_to = COALESCE(valid_to, @now) WHERE id = @id`,
    ),
    eraseVersions: p('DELETE FROM memory_versions WHERE memory_id = ?'),
    eraseEmbedding: p('DELETE FROM memory_embeddings WHERE memory_id = ?'),
    eraseSketch: p('DELETE FROM memory_sketches WHERE memory_id = ?'),
    dequeue: p('DELETE FROM memory_embed_queue WHERE memory_id = ?'),
    openProposalsOf: p(
      `SELECT p.id FROM memory_proposal_members pm JOIN memory_proposals p ON p.id = pm.proposal_id WHERE pm.memory_id = ? AND p.status = 'open' ORDER BY p.id`,
    ),
    linksOf: p('SELECT * FROM memory_links WHERE from_id = ? OR to_id = ?'),
    // Counters kept by triggers (migration 24): a few rows, whatever the size of the store.
    countByLayer: p(`SELECT substr(key, 7) AS layer, n FROM memory_counters WHERE key LIKE 'layer:%'`),
    countByStatus: p(`SELECT substr(key, 8) AS status, n FROM memory_counters WHERE key LIKE 'status:%'`),
    counter: p('SELECT n FROM memory_counters WHERE key = ?'),
    hotCount: p(`SELECT COUNT(*) AS n FROM memories WHERE status = 'active' AND valid_to IS NULL AND touched_at >= ?`),
  };
}

export { sql } from '../../store/statements';

export type MemoryStatements = ReturnType<typeof prepare>;
const cache = new WeakMap<Db, MemoryStatements>();

export function statements(db: Db): MemoryStatements {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = prepare(db)));
  return s;
}

export function getRow(db: Db, id: number): MemoryRow | undefined {
  return statements(db).byId.get(id) as MemoryRow | undefined;
}

/** Insert one memory with its sketch and an embedding request. Call inside a transaction for batches. */
export function insertMemory(db: Db, m: NewMemory, now = nowIso(), embed = true): number {
  const s = statements(db);
  const info = s.insert.run({
    text: m.text,
    kind: m.kind,
    source: m.source,
    source_ref: m.source_ref ?? null,
    scope: m.scope,
    repo: m.repo ?? null,
    persona: m.persona ?? null,
    layer: m.layer,
    trust: m.trust,
    now,
    norm_hash: normHash(m.text),
    mock: m.mock ? 1 : 0,
  });
  const id = Number(info.lastInsertRowid);
  s.insertSketch.run(id, toBlob(signature(m.text)));
  if (embed) s.enqueueEmbed.run(id, now);
  return id;
}

export type RowChange = Partial<Pick<MemoryRow, 'text' | 'kind' | 'layer' | 'trust' | 'scope' | 'repo' | 'persona' | 'status' | 'valid_to'>>;

/** Change a memory, saving its previous state as a version first (the "update keeps history" rule). */
export function updateMemory(db: Db, row: MemoryRow, change: RowChange, reason: string, now = nowIso(), embed = true): void {
  const s = statements(db);
  s.saveVersion.run({ ...row, now, reason });
  const next = { ...row, ...change };
  s.update.run({ ...next, norm_hash: next.text === row.text ? row.norm_hash : normHash(next.text), now });
  if (change.text !== undefined && change.text !== row.text) {
    s.insertSketch.run(row.id, toBlob(signature(next.text)));
    s.eraseEmbedding.run(row.id);
    if (embed) s.enqueueEmbed.run(row.id, now);
  }
}

export function addLink(
  db: Db,
  fromId: number,
  toId: number,
  relation: 'derived_from' | 'merged_from' | 'superseded_by',
  note: string | null = null,
  now = nowIso(),
): void {
  statements(db).link.run(fromId, toId, relation, note, now);
}
