// Memory CRUD: create, read (also "as of" a past time), list, update (history kept), archive, restore, delete
// (tombstone), promote / demote between layers, refine (a derived memory that supersedes its origin), layers.
import type { z } from 'zod';
import type { ServerContext } from '../../context';
import { AppError, conflict, notFound } from '../../protocol/errors';
import * as M from '../../protocol/memory';
import { implement } from '../registry';
import { propose } from './proposals';
import { addLink, getRow, insertMemory, statements, toCapsule, updateMemory, type MemoryRow, type NewMemory, sql } from './store';
import { isoOf, normHash, nowIso, snippet } from './text';
import { wakeEmbedder } from './embedder';

const LAYER_DESCRIPTIONS: Record<M.Layer, string> = {
  working: 'Short-lived scratch memory of a run or chat.',
  episodic: 'What happened: outcomes, observations, uploads (the default layer).',
  semantic: 'Distilled, reusable knowledge and facts.',
  core: 'Operator-endorsed knowledge; never archived by maintenance.',
};

type Link = { from_id: number; to_id: number; relation: 'derived_from' | 'merged_from' | 'superseded_by'; created_at: string; note: string | null };

/** The links touching a memory, the memories made from it (children), and a one-line summary of it. */
function linksAround(ctx: ServerContext, row: MemoryRow) {
  const s = statements(ctx.db);
  const edges = (s.linksOf.all(row.id, row.id) as Link[]).map((l) => ({
    from_id: l.from_id,
    to_id: l.to_id,
    relation: l.relation,
    created_at: l.created_at,
    note: l.note,
  }));
  const children = edges
    .filter((e) => (e.relation === 'superseded_by' ? e.from_id === row.id : e.to_id === row.id))
    .map((e) => {
      const id = e.relation === 'superseded_by' ? e.to_id : e.from_id;
      const c = s.byId.get(id) as MemoryRow | undefined;
      return c ? { capsule_id: c.id, text: c.status === 'deleted' ? '(deleted)' : snippet(c.text, 160), layer: c.layer, relation: e.relation } : null;
    })
    .filter((c) => c !== null);
  return { children, edges, summary: row.status === 'deleted' ? '(deleted)' : snippet(row.text, 160) };
}

export function mustGet(ctx: ServerContext, id: number): MemoryRow {
  const row = getRow(ctx.db, id);
  if (!row) throw notFound('memory', id);
  return row;
}

function mustNotBeDeleted(row: MemoryRow): void {
  if (row.status === 'deleted') throw conflict(`memory ${row.id} was deleted`);
}

export function changed(ctx: ServerContext, reason: string, ids: number[]): void {
  ctx.events.emit(M.didChange, { reason, capsule_ids: ids });
}

/** Create one memory (with lineage links and the exact-duplicate check) inside the caller's transaction. */
export function createOne(
  ctx: ServerContext,
  m: NewMemory,
  derivedFrom: number[] = [],
  now = nowIso(),
): { id: number; duplicateOf: number | null; proposalId: number | null } {
  const s = statements(ctx.db);
  for (const d of derivedFrom) mustGet(ctx, d);
  const id = insertMemory(ctx.db, m, now, ctx.config['memory.embeddingsEnabled']);
  for (const d of derivedFrom) addLink(ctx.db, id, d, 'derived_from', null, now);
  const dup = s.sameHash.get(normHash(m.text), id) as { id: number } | undefined;
  let proposalId: number | null = null;
  if (dup) {
    const p = propose(
      ctx.db,
      { kind: 'duplicate', subkind: 'exact', ids: [dup.id, id], similarity: 1, detail: 'same normalized text', createdBy: 'write' },
      now,
    );
    proposalId = p?.id ?? null;
  }
  return { id, duplicateOf: dup?.id ?? null, proposalId };
}

function moveLayer(ctx: ServerContext, id: number, step: 1 | -1, note?: string) {
  const row = mustGet(ctx, id);
  mustNotBeDeleted(row);
  const from = M.LAYERS.indexOf(row.layer);
  const to = M.LAYERS[from + step];
  if (!to) throw conflict(`memory ${id} is already in the ${step > 0 ? 'highest' : 'lowest'} layer (${row.layer})`);
  updateMemory(ctx.db, row, { layer: to }, note ?? (step > 0 ? 'promoted' : 'demoted'));
  changed(ctx, step > 0 ? 'promoted' : 'demoted', [id]);
  return { ok: true, capsule: toCapsule(mustGet(ctx, id)), from_layer: row.layer, to_layer: to };
}

export const capsuleServices = [
  implement(M.create, (p, ctx) => {
    const r = ctx.db.transaction(() => createOne(ctx, p, p.derived_from ?? []))();
    wakeEmbedder(ctx);
    changed(ctx, 'created', [r.id]);
    return { ok: true, capsule: toCapsule(mustGet(ctx, r.id)), duplicate_of: r.duplicateOf, proposal_id: r.proposalId };
  }),

  implement(M.get, (p, ctx) => {
    const row = mustGet(ctx, p.capsule_id);
    const open = (statements(ctx.db).openProposalsOf.all(row.id) as { id: number }[]).map((r) => r.id);
    const around = linksAround(ctx, row);
    if (!p.as_of) return { ok: true, capsule: toCapsule(row), as_of: null, believed_at_as_of: null, open_proposal_ids: open, ...around };
    const t = isoOf(p.as_of);
    let state: MemoryRow = row;
    if (row.updated_at > t) {
      const v = statements(ctx.db).versionAt.get(row.id, t, t) as
        (Pick<MemoryRow, 'text' | 'kind' | 'layer' | 'trust' | 'status' | 'valid_to'> & { recorded_at: string }) | undefined;
      if (v)
        state = {
          ...row,
          text: v.text,
          kind: v.kind,
          layer: v.layer,
          trust: v.trust,
          status: v.status,
          valid_to: v.valid_to,
          updated_at: v.recorded_at,
        };
    }
    const believed = row.created_at <= t && row.valid_from <= t && state.status === 'active' && (state.valid_to === null || state.valid_to > t);
    return { ok: true, capsule: toCapsule(state), as_of: t, believed_at_as_of: believed, open_proposal_ids: open, ...around };
  }),

  implement(M.list, (p, ctx) => {
    const where =
      `(@status = 'all' OR m.status = @status) AND (@layer IS NULL OR m.layer = @layer) AND (@source IS NULL OR m.source = @source) AND (@repo IS NULL OR m.repo = @repo)` +
      ` AND (@kind IS NULL OR m.kind = @kind) AND (@tag IS NULL OR m.repo = @tag OR m.persona = @tag) AND (@batch_id IS NULL OR m.batch_id = @batch_id)`;
    const args = {
      status: p.status,
      layer: p.layer ?? null,
      source: p.source ?? null,
      repo: p.repo ?? null,
      kind: p.kind ?? null,
      tag: p.tag ?? null,
      batch_id: p.batch_id ?? null,
    };
    const rows = ctx.db
      .prepare(
        `SELECT m.*, EXISTS (SELECT 1 FROM memory_embeddings e WHERE e.memory_id = m.id) AS embedded FROM memories m WHERE ${where} ORDER BY m.id DESC LIMIT @limit OFFSET @offset`,
      )
      .all({ ...args, limit: p.limit, offset: p.offset }) as MemoryRow[];
    const total = (sql(ctx.db, `SELECT COUNT(*) AS n FROM memories m WHERE ${where}`).get(args) as { n: number }).n;
    return { ok: true, items: rows.map(toCapsule), total };
  }),

  implement(M.update, (p, ctx) => {
    const row = mustGet(ctx, p.capsule_id);
    mustNotBeDeleted(row);
    const change = Object.fromEntries(
      (['text', 'kind', 'layer', 'trust', 'scope', 'repo', 'persona'] as const).filter((k) => p[k] !== undefined).map((k) => [k, p[k]]),
    );
    if (!Object.keys(change).length)
      throw new AppError('bad_request', 'Invalid params: nothing to change (give text, kind, layer, trust, scope, repo or persona)', [
        { path: '', message: 'nothing to change' },
      ]);
    ctx.db.transaction(() => updateMemory(ctx.db, row, change, p.reason, nowIso(), ctx.config['memory.embeddingsEnabled']))();
    wakeEmbedder(ctx);
    changed(ctx, 'updated', [row.id]);
    return { ok: true, capsule: toCapsule(mustGet(ctx, row.id)) };
  }),

  implement(M.archive, (p, ctx) => {
    const row = mustGet(ctx, p.capsule_id);
    mustNotBeDeleted(row);
    if (row.status === 'archived') throw conflict(`memory ${row.id} is already archived`);
    updateMemory(ctx.db, row, { status: 'archived' }, p.note ?? 'archived by operator');
    changed(ctx, 'archived', [row.id]);
    return { ok: true, capsule: toCapsule(mustGet(ctx, row.id)) };
  }),

  implement(M.restore, (p, ctx) => {
    const row = mustGet(ctx, p.capsule_id);
    if (row.status !== 'archived') throw conflict(`memory ${row.id} is ${row.status}, not archived`);
    updateMemory(ctx.db, row, { status: 'active' }, p.note ?? 'restored by operator');
    changed(ctx, 'restored', [row.id]);
    return { ok: true, capsule: toCapsule(mustGet(ctx, row.id)) };
  }),

  implement(M.remove, (p, ctx) => {
    const row = mustGet(ctx, p.capsule_id);
    mustNotBeDeleted(row);
    const s = statements(ctx.db);
    ctx.db.transaction(() => {
      s.erase.run({ id: row.id, now: nowIso() });
      s.eraseVersions.run(row.id);
      s.eraseEmbedding.run(row.id);
      s.eraseSketch.run(row.id);
      s.dequeue.run(row.id);
    })();
    changed(ctx, 'deleted', [row.id]);
    return { ok: true, capsule: toCapsule(mustGet(ctx, row.id)) };
  }),

  implement(M.history, (p, ctx) => {
    mustGet(ctx, p.capsule_id);
    return { ok: true, capsule_id: p.capsule_id, versions: statements(ctx.db).versions.all(p.capsule_id) as z.infer<typeof M.Version>[] };
  }),

  implement(M.promote, (p, ctx) => moveLayer(ctx, p.capsule_id, 1, p.note)),
  implement(M.demote, (p, ctx) => moveLayer(ctx, p.capsule_id, -1, p.note)),

  implement(M.refine, (p, ctx) => {
    const row = mustGet(ctx, p.capsule_id);
    mustNotBeDeleted(row);
    if (row.valid_to !== null) throw conflict(`memory ${row.id} was already superseded; refine the memory that superseded it`);
    const now = nowIso();
    const id = ctx.db.transaction(() => {
      const r = createOne(
        ctx,
        {
          text: p.text,
          kind: row.kind,
          source: 'operator',
          source_ref: `refine:#${row.id}`,
          scope: row.scope,
          repo: row.repo,
          persona: row.persona,
          layer: row.layer,
          trust: row.trust,
        },
        [row.id],
        now,
      );
      updateMemory(ctx.db, row, { valid_to: now }, p.note ?? `refined into #${r.id}`, now);
      addLink(ctx.db, row.id, r.id, 'superseded_by', p.note ?? 'refined', now);
      return r.id;
    })();
    wakeEmbedder(ctx);
    changed(ctx, 'refined', [row.id, id]);
    return { ok: true, capsule: toCapsule(mustGet(ctx, id)), superseded: toCapsule(mustGet(ctx, row.id)) };
  }),

  implement(M.layers, (_p, ctx) => {
    const counts = new Map((statements(ctx.db).countByLayer.all() as { layer: string; n: number }[]).map((r) => [r.layer, r.n]));
    return { ok: true, layers: M.LAYERS.map((name, rank) => ({ name, rank, description: LAYER_DESCRIPTIONS[name], count: counts.get(name) ?? 0 })) };
  }),
];
