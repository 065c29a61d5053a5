// Contexts: every retrieval made for a run, chat or mission is recorded — the query, the candidates with their
// scores, which were admitted and why — so an operator can see exactly what an agent was shown. Admitted
// memories count as used (use_count, last_used_at); plain operator searches (no owner) do not.
import type { z } from 'zod';
import type { ServerContext } from '../../context';
import * as M from '../../protocol/memory';
import { implement } from '../registry';
import { RECORD_LIMIT, retrieve, toItem, type Retrieval } from './search';
import { snippet, nowIso } from './text';
import { sql, statements } from './store';

type Owner = { kind: 'run' | 'chat' | 'mission'; id: string };

export function recordContext(ctx: ServerContext, owner: Owner, p: { query: string; top_k: number; as_of?: string }, r: Retrieval): number {
  const now = nowIso();
  const db = ctx.db;
  return db.transaction(() => {
    const id = Number(
      sql(
        db,
        `INSERT INTO memory_contexts (owner_kind, owner_id, query, top_k, as_of, vector_used, vector_note, fts_candidates, vector_candidates, took_ms, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        owner.kind,
        owner.id,
        p.query,
        p.top_k,
        p.as_of ?? null,
        r.vectorUsed ? 1 : 0,
        r.vectorNote,
        r.ftsCandidates,
        r.vectorCandidates,
        r.tookMs,
        now,
      ).lastInsertRowid,
    );
    const ins = sql(
      db,
      'INSERT INTO memory_context_items (context_id, position, memory_id, score, breakdown_json, admitted, reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const recorded = [...r.items, ...r.considered.filter((s) => !s.admitted).slice(0, Math.max(0, RECORD_LIMIT - r.items.length))];
    recorded.sort((a, b) => b.breakdown.final - a.breakdown.final);
    recorded.forEach((s, i) => ins.run(id, i + 1, s.row.id, s.breakdown.final, JSON.stringify(s.breakdown), s.admitted ? 1 : 0, s.reason));
    const used = sql(db, 'UPDATE memories SET use_count = use_count + 1, last_used_at = ?, touched_at = ? WHERE id = ?');
    for (const s of r.items) used.run(now, now, s.row.id);
    return id;
  })();
}

interface ContextRow {
  id: number;
  owner_kind: 'run' | 'chat' | 'mission';
  owner_id: string;
  query: string;
  top_k: number;
  as_of: string | null;
  vector_used: number;
  vector_note: string | null;
  fts_candidates: number;
  vector_candidates: number;
  took_ms: number;
  created_at: string;
}
interface ItemRow {
  context_id: number;
  position: number;
  memory_id: number;
  score: number;
  breakdown_json: string;
  admitted: number;
  reason: string;
  text: string | null;
}

function contextsOf(ctx: ServerContext, runId: string, limit: number, offset: number): { contexts: M.Context[]; total: number } {
  const rows = sql(ctx.db, 'SELECT * FROM memory_contexts WHERE owner_id = ? ORDER BY id LIMIT ? OFFSET ?').all(runId, limit, offset) as ContextRow[];
  const total = (sql(ctx.db, 'SELECT COUNT(*) AS n FROM memory_contexts WHERE owner_id = ?').get(runId) as { n: number }).n;
  const itemsOf = sql(
    ctx.db,
    'SELECT i.*, m.text FROM memory_context_items i LEFT JOIN memories m ON m.id = i.memory_id WHERE i.context_id = ? ORDER BY i.position',
  );
  const contexts = rows.map((c) => ({
    context_id: c.id,
    owner_kind: c.owner_kind,
    owner_id: c.owner_id,
    query: c.query,
    top_k: c.top_k,
    as_of: c.as_of,
    vector_used: !!c.vector_used,
    vector_note: c.vector_note,
    fts_candidates: c.fts_candidates,
    vector_candidates: c.vector_candidates,
    took_ms: c.took_ms,
    created_at: c.created_at,
    items: (itemsOf.all(c.id) as ItemRow[]).map((i) => ({
      position: i.position,
      capsule_id: i.memory_id,
      text: i.text ? snippet(i.text, 400) : '(deleted)',
      score: i.score,
      score_breakdown: M.ScoreBreakdown.parse(JSON.parse(i.breakdown_json)),
      admitted: !!i.admitted,
      reason: i.reason,
    })),
  }));
  return { contexts, total };
}

export const contextServices = [
  implement(M.search, async (p, ctx) => {
    const owner: Owner | null = p.run_id
      ? { kind: 'run', id: p.run_id }
      : p.chat_id
        ? { kind: 'chat', id: p.chat_id }
        : p.mission_id
          ? { kind: 'mission', id: p.mission_id }
          : null;
    const r = await retrieve(ctx, p, { record: owner !== null });
    const contextId = owner ? recordContext(ctx, owner, p, r) : null;
    return {
      ok: true,
      query: p.query,
      items: r.items.map(toItem),
      context_id: contextId,
      vector_used: r.vectorUsed,
      vector_note: r.vectorNote,
      took_ms: r.tookMs,
    };
  }),

  implement(M.runContexts, (p, ctx) => ({ ok: true, run_id: p.run_id, ...contextsOf(ctx, p.run_id, p.limit, p.offset) })),

  implement(M.runRetrieval, (p, ctx) => {
    const { contexts, total } = contextsOf(ctx, p.run_id, p.limit, p.offset);
    const layerOf = statements(ctx.db).byId;
    const layers = new Map<number, M.Layer | null>();
    const layer = (id: number) => {
      if (!layers.has(id)) layers.set(id, (layerOf.get(id) as { layer: M.Layer } | undefined)?.layer ?? null);
      return layers.get(id)!;
    };
    const items = contexts.flatMap((c) => c.items.map((i) => ({ ...i, context_id: c.context_id, query: c.query, layer: layer(i.capsule_id) })));
    return { ok: true, run_id: p.run_id, items, total };
  }),

  implement(M.runTrace, (p, ctx) => {
    const { contexts } = contextsOf(ctx, p.run_id, p.limit, p.offset);
    const events: z.infer<typeof M.TraceEvent>[] = [];
    for (const c of contexts) {
      const ev = (step: z.infer<typeof M.TraceEvent>['step'], detail: string, capsule_id: number | null = null) =>
        events.push({ at: c.created_at, context_id: c.context_id, step, detail, capsule_id });
      ev('query', `${c.owner_kind} ${c.owner_id} asked "${c.query}" (top_k ${c.top_k}${c.as_of ? `, as of ${c.as_of}` : ''}) — ${c.took_ms} ms`);
      ev('text', `full-text (FTS5 BM25): ${c.fts_candidates} candidate(s)`);
      ev(
        'vector',
        c.vector_used ? `embeddings: ${c.vector_candidates} candidate(s) scored by cosine` : `embeddings not used: ${c.vector_note ?? 'off'}`,
      );
      for (const i of c.items) ev(i.admitted ? 'admitted' : 'rejected', `#${i.capsule_id} score ${i.score}: ${i.reason}`, i.capsule_id);
    }
    return { ok: true, run_id: p.run_id, events };
  }),
];
