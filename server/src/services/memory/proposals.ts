// Duplicate and conflict findings are proposals: stored, shown in the review queue, and applied only when the
// operator accepts one (merge / supersede / keep both). A rejected finding is never proposed again.
import type { Db } from '../../store/db';
import { AppError, conflict, notFound } from '../../protocol/errors';
import type { Proposal } from '../../protocol/memory';
import { addLink, getRow, updateMemory, type MemoryRow, sql } from './store';
import { nowIso } from './text';

export interface ProposalRow {
  id: number;
  kind: 'duplicate' | 'conflict';
  subkind: 'exact' | 'near' | 'negation' | 'value';
  status: 'open' | 'accepted' | 'rejected' | 'withdrawn';
  pair_key: string;
  similarity: number | null;
  detail: string;
  resolution: string | null;
  resolution_note: string | null;
  created_by: string;
  created_at: string;
  resolved_at: string | null;
}

const LAYER_RANK: Record<string, number> = { working: 0, episodic: 1, semantic: 2, core: 3 };

function prepare(db: Db) {
  return {
    byKey: db.prepare('SELECT * FROM memory_proposals WHERE pair_key = ? ORDER BY id DESC LIMIT 1'),
    // From the members' side (indexed by memory), so the cost does not grow with the number of open proposals.
    openOverlapping:
      db.prepare(`SELECT * FROM memory_proposals WHERE id IN (SELECT proposal_id FROM memory_proposal_members WHERE memory_id IN (SELECT value FROM json_each(@ids)))
      AND status = 'open' AND kind = @kind ORDER BY id LIMIT 1`),
    insert: db.prepare(
      `INSERT INTO memory_proposals (kind, subkind, status, pair_key, similarity, detail, created_by, created_at) VALUES (?, ?, 'open', ?, ?, ?, ?, ?)`,
    ),
    addMember: db.prepare('INSERT OR IGNORE INTO memory_proposal_members (proposal_id, memory_id) VALUES (?, ?)'),
    setKey: db.prepare('UPDATE memory_proposals SET pair_key = ?, similarity = MIN(COALESCE(similarity, 1), ?) WHERE id = ?'),
    byId: db.prepare('SELECT * FROM memory_proposals WHERE id = ?'),
    members: db.prepare(`SELECT m.id, m.text, m.layer, m.trust, m.use_count, m.status, m.created_at, m.valid_to FROM memory_proposal_members pm
      JOIN memories m ON m.id = pm.memory_id WHERE pm.proposal_id = ? ORDER BY m.id`),
    memberIds: db.prepare('SELECT memory_id FROM memory_proposal_members WHERE proposal_id = ? ORDER BY memory_id'),
    list: db.prepare(
      "SELECT * FROM memory_proposals WHERE kind = @kind AND (@status = 'all' OR status = @status) ORDER BY id DESC LIMIT @limit OFFSET @offset",
    ),
    count: db.prepare("SELECT COUNT(*) AS n FROM memory_proposals WHERE kind = @kind AND (@status = 'all' OR status = @status)"),
    resolve: db.prepare('UPDATE memory_proposals SET status = ?, resolution = ?, resolution_note = ?, resolved_at = ? WHERE id = ?'),
    flagsFor: db.prepare(`SELECT pm.memory_id, p.id, p.kind FROM memory_proposal_members pm JOIN memory_proposals p ON p.id = pm.proposal_id
      WHERE pm.memory_id IN (SELECT value FROM json_each(?)) AND p.status = 'open'`),
    openCount: db.prepare("SELECT COUNT(*) AS n FROM memory_proposals WHERE kind = ? AND status = 'open'"),
  };
}
const cache = new WeakMap<Db, ReturnType<typeof prepare>>();
export function proposalStatements(db: Db) {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = prepare(db)));
  return s;
}

export const pairKey = (kind: string, ids: number[]) => `${kind}:${[...new Set(ids)].sort((a, b) => a - b).join(',')}`;

/**
 * Record a finding. Returns the proposal id it landed in and whether it is new; null when the same finding was
 * already decided (accepted, rejected or withdrawn). A duplicate overlapping an open cluster joins that cluster.
 */
export function propose(
  db: Db,
  p: { kind: 'duplicate' | 'conflict'; subkind: ProposalRow['subkind']; ids: number[]; similarity: number | null; detail: string; createdBy: string },
  now = nowIso(),
): { id: number; created: boolean } | null {
  const s = proposalStatements(db);
  const key = pairKey(p.kind, p.ids);
  const existing = s.byKey.get(key) as ProposalRow | undefined;
  if (existing?.status === 'open') return { id: existing.id, created: false };
  if (existing && existing.status !== 'withdrawn') return null; // decided by the operator: never re-proposed
  if (p.kind === 'duplicate') {
    const open = s.openOverlapping.get({ kind: p.kind, ids: JSON.stringify(p.ids) }) as ProposalRow | undefined;
    if (open) {
      for (const id of p.ids) s.addMember.run(open.id, id);
      const all = (s.memberIds.all(open.id) as { memory_id: number }[]).map((r) => r.memory_id);
      s.setKey.run(pairKey(p.kind, all), p.similarity ?? 1, open.id);
      return { id: open.id, created: false };
    }
  }
  const id = Number(s.insert.run(p.kind, p.subkind, key, p.similarity, p.detail, p.createdBy, now).lastInsertRowid);
  for (const m of p.ids) s.addMember.run(id, m);
  return { id, created: true };
}

export function loadProposal(db: Db, id: number): Proposal {
  const s = proposalStatements(db);
  const r = s.byId.get(id) as ProposalRow | undefined;
  if (!r) throw notFound('proposal', id);
  const members = (
    s.members.all(id) as {
      id: number;
      text: string;
      layer: Proposal['members'][number]['layer'];
      trust: number;
      use_count: number;
      status: Proposal['members'][number]['status'];
      created_at: string;
      valid_to: string | null;
    }[]
  ).map((m) => ({
    capsule_id: m.id,
    text: m.text,
    layer: m.layer,
    trust: m.trust,
    use_count: m.use_count,
    status: m.status,
    created_at: m.created_at,
    valid_to: m.valid_to,
  }));
  return {
    proposal_id: r.id,
    kind: r.kind,
    subkind: r.subkind,
    status: r.status,
    similarity: r.similarity,
    detail: r.detail,
    resolution: r.resolution,
    resolution_note: r.resolution_note,
    created_by: r.created_by,
    created_at: r.created_at,
    resolved_at: r.resolved_at,
    members,
  };
}

export function listProposals(
  db: Db,
  kind: 'duplicate' | 'conflict',
  status: string,
  limit: number,
  offset: number,
): { items: Proposal[]; total: number } {
  const s = proposalStatements(db);
  const rows = s.list.all({ kind, status, limit, offset }) as ProposalRow[];
  const total = (s.count.get({ kind, status }) as { n: number }).n;
  return { items: rows.map((r) => loadProposal(db, r.id)), total };
}

/** Open-proposal flags for a set of memories: which are in a conflict, which duplicate cluster each is in. */
export function flagsFor(db: Db, ids: number[]): { conflicts: Set<number>; cluster: Map<number, number> } {
  const conflicts = new Set<number>();
  const cluster = new Map<number, number>();
  if (!ids.length) return { conflicts, cluster };
  for (const r of proposalStatements(db).flagsFor.all(JSON.stringify(ids)) as { memory_id: number; id: number; kind: string }[]) {
    if (r.kind === 'conflict') conflicts.add(r.memory_id);
    else if (!cluster.has(r.memory_id)) cluster.set(r.memory_id, r.id);
  }
  return { conflicts, cluster };
}

/** The member a merge keeps by default: highest layer, then trust, then use, then the oldest. */
function canonical(rows: MemoryRow[]): MemoryRow {
  return [...rows].sort((a, b) => LAYER_RANK[b.layer]! - LAYER_RANK[a.layer]! || b.trust - a.trust || b.use_count - a.use_count || a.id - b.id)[0]!;
}

export function acceptProposal(
  db: Db,
  id: number,
  resolution: 'merge' | 'supersede' | 'keep_both',
  keepId: number | undefined,
  note: string | undefined,
): { proposal: Proposal; changed: number[] } {
  const s = proposalStatements(db);
  return db.transaction(() => {
    const p = s.byId.get(id) as ProposalRow | undefined;
    if (!p) throw notFound('proposal', id);
    if (p.status !== 'open') throw conflict(`proposal ${id} is already ${p.status}`);
    if (resolution === 'merge' && p.kind !== 'duplicate')
      throw new AppError('bad_request', 'resolution: merge applies to duplicates; use supersede or keep_both for a conflict', [
        { path: 'resolution', message: 'merge applies to duplicates only' },
      ]);
    const ids = (s.memberIds.all(id) as { memory_id: number }[]).map((r) => r.memory_id);
    const rows = ids.map((m) => getRow(db, m)!).filter(Boolean);
    if (keepId !== undefined && !ids.includes(keepId))
      throw new AppError('bad_request', `keep_id: memory ${keepId} is not part of proposal ${id} (members: ${ids.join(', ')})`, [
        { path: 'keep_id', message: 'not a member' },
      ]);
    const changed: number[] = [];
    if (resolution !== 'keep_both') {
      const gone = rows.find((r) => r.status === 'deleted');
      if (gone) throw conflict(`memory ${gone.id} of proposal ${id} was deleted; reject the proposal instead`);
      const now = nowIso();
      const keep =
        keepId !== undefined
          ? rows.find((r) => r.id === keepId)!
          : resolution === 'merge'
            ? canonical(rows)
            : [...rows].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id)[0]!;
      for (const r of rows) {
        if (r.id === keep.id) continue;
        if (resolution === 'merge') {
          updateMemory(db, r, { status: 'archived', valid_to: r.valid_to ?? now }, `merged into #${keep.id} (proposal ${id})`, now);
          addLink(db, keep.id, r.id, 'merged_from', `proposal ${id}`, now);
        } else {
          updateMemory(db, r, { valid_to: r.valid_to ?? now }, `superseded by #${keep.id} (proposal ${id})`, now);
          addLink(db, r.id, keep.id, 'superseded_by', `proposal ${id}`, now);
        }
        changed.push(r.id);
      }
      if (resolution === 'merge') {
        const others = rows.filter((r) => r.id !== keep.id);
        const trust = Math.max(keep.trust, ...others.map((r) => r.trust));
        if (trust !== keep.trust) updateMemory(db, keep, { trust }, `merge (proposal ${id})`, now);
        sql(db, 'UPDATE memories SET use_count = use_count + ? WHERE id = ?').run(
          others.reduce((n, r) => n + r.use_count, 0),
          keep.id,
        );
        changed.push(keep.id);
      }
    }
    s.resolve.run('accepted', resolution, note ?? null, nowIso(), id);
    return { proposal: loadProposal(db, id), changed };
  })();
}

export function rejectProposal(db: Db, id: number, note: string | undefined): Proposal {
  const s = proposalStatements(db);
  const p = s.byId.get(id) as ProposalRow | undefined;
  if (!p) throw notFound('proposal', id);
  if (p.status !== 'open') throw conflict(`proposal ${id} is already ${p.status}`);
  s.resolve.run('rejected', null, note ?? null, nowIso(), id);
  return loadProposal(db, id);
}

export function openCount(db: Db, kind: 'duplicate' | 'conflict'): number {
  return (proposalStatements(db).openCount.get(kind) as { n: number }).n;
}
