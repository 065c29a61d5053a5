// Chat ↔ memory: before each turn the memory engine's retrieval picks what is relevant and the retrieval is
// recorded as a context owned by the session (`chat-<id>`), linked from the answer; "Remember this" writes a
// memory with lineage to the message; read+write sessions propose memories at their end — proposals only, the
// operator decides (never a silent write).
import type { ServerContext } from '../../context';
import type { Db } from '../../store/db';
import * as C from '../../protocol/chat';
import { AppError, notFound } from '../../protocol';
import { SearchParams } from '../../protocol/memory';
import { changed as memoryChanged, createOne } from '../memory/capsules';
import { recordContext } from '../memory/contexts';
import { wakeEmbedder } from '../memory/embedder';
import { retrieve } from '../memory/search';
import { sql } from '../memory/store';
import { implement } from '../registry';
import { messageRow, memoriesOfContext, nowIso, pathTo, sessionRow, toSession } from './store';

const TOP_K = 4;
const MAX_PROPOSALS = 8;

export const contextOwner = (sessionId: number) => ({ kind: 'chat' as const, id: `chat-${sessionId}` });

/** Never fails a turn: a retrieval error is logged and the model answers without memories. */
export async function memoryForTurn(
  ctx: ServerContext,
  sessionId: number,
  assistantId: number,
  query: string,
): Promise<{ contextId: number; memories: C.Message['memories'] } | null> {
  const q = query.replace(/\s+/g, ' ').trim().slice(0, 2000);
  if (!q) return null;
  try {
    const r = await retrieve(ctx, SearchParams.parse({ query: q, top_k: TOP_K, chat_id: `chat-${sessionId}` }));
    const contextId = recordContext(ctx, contextOwner(sessionId), { query: q, top_k: TOP_K }, r);
    sql(ctx.db, 'UPDATE chat_messages SET context_id = ? WHERE id = ?').run(contextId, assistantId);
    return { contextId, memories: memoriesOfContext(ctx.db, contextId) };
  } catch (err) {
    ctx.log.warn(`chat ${sessionId}: memory retrieval failed, answering without it: ${(err as Error).message}`);
    return null;
  }
}

export function systemWithMemories(systemPrompt: string, memories: C.Message['memories']): string {
  if (!memories.length) return systemPrompt;
  const block = [
    'Relevant memories (from Agentora memory; use them when they help, cite them as [memory #id]):',
    ...memories.map((m) => `- [memory #${m.capsule_id}] ${m.text}`),
  ].join('\n');
  return systemPrompt ? `${systemPrompt}\n\n${block}` : block;
}

interface ProposalRow {
  id: number;
  session_id: number;
  message_id: number | null;
  text: string;
  status: 'open' | 'accepted' | 'rejected';
  capsule_id: number | null;
  created_at: string;
}
const toProposal = (r: ProposalRow) => ({
  proposal_id: r.id,
  session_id: r.session_id,
  message_id: r.message_id,
  text: r.text,
  status: r.status,
  capsule_id: r.capsule_id,
  created_at: r.created_at,
});

export function proposalsOf(db: Db, sessionId: number): C.SessionDetail['proposals'] {
  return (sql(db, 'SELECT * FROM chat_memory_proposals WHERE session_id = ? ORDER BY id').all(sessionId) as ProposalRow[]).map(toProposal);
}

function remember(ctx: ServerContext, sessionId: number, messageId: number, text: string, trust: number): { id: number; duplicateOf: number | null } {
  const r = ctx.db.transaction(() =>
    createOne(ctx, {
      text: text.slice(0, 20000),
      kind: 'note',
      source: 'chat',
      source_ref: `chat:${sessionId}/${messageId}`,
      scope: 'workspace',
      layer: 'episodic',
      trust,
    }),
  )();
  memoryChanged(ctx, 'created from chat', [r.id]);
  wakeEmbedder(ctx);
  return r;
}

/** Statements worth keeping: the operator's own facts and preferences, one sentence each. */
const WORTH_KEEPING =
  /\b(i|we)\s+(prefer|use|like|always|never|want|need|decided|chose)\b|\bremember\b|\b(my|our)\s+[\p{L}\s]{1,40}\s+(is|are)\b|\bdecision\b/iu;

function candidates(path: ReturnType<typeof pathTo>): { messageId: number; text: string }[] {
  const out: { messageId: number; text: string }[] = [];
  for (const m of path) {
    if (m.role !== 'user') continue;
    for (const sentence of m.content.split(/(?<=[.!?])\s+|\n+/)) {
      const s = sentence.trim().replace(/^remember( that)?:?\s*/i, '');
      if (s.length >= 12 && s.length <= 500 && WORTH_KEEPING.test(sentence)) out.push({ messageId: m.id, text: s });
    }
  }
  return out.slice(0, MAX_PROPOSALS);
}

const rememberService = implement(C.remember, (p, ctx) => {
  const m = messageRow(ctx.db, p.message_id);
  const text = (p.text ?? m.content).trim();
  if (!text)
    throw new AppError('bad_request', `message ${m.id} is empty: nothing to remember`, [{ path: 'message_id', message: 'message is empty' }]);
  const r = remember(ctx, m.session_id, m.id, text, m.role === 'user' ? 0.6 : 0.5);
  return { ok: true, capsule_id: r.id, duplicate_of: r.duplicateOf };
});

const endService = implement(C.endSession, (p, ctx) => {
  const row = sessionRow(ctx.db, p.session_id);
  const now = nowIso();
  ctx.db.transaction(() => {
    sql(ctx.db, 'UPDATE chat_sessions SET ended_at = ? WHERE id = ?').run(now, row.id);
    if (row.memory_mode !== 'read_write') return;
    const known = new Set(
      (sql(ctx.db, 'SELECT text FROM chat_memory_proposals WHERE session_id = ?').all(row.id) as { text: string }[]).map((r) => r.text),
    );
    const ins = sql(ctx.db, 'INSERT INTO chat_memory_proposals (session_id, message_id, text, created_at) VALUES (?, ?, ?, ?)');
    for (const c of candidates(pathTo(ctx.db, row.active_leaf_id))) if (!known.has(c.text)) ins.run(row.id, c.messageId, c.text, now);
  })();
  ctx.events.emit(C.didChange, { session_id: row.id, reason: 'ended' });
  return { ok: true, session: toSession(sessionRow(ctx.db, row.id), false), proposals: proposalsOf(ctx.db, row.id) };
});

const decideService = implement(C.decideProposal, (p, ctx) => {
  const row = sql(ctx.db, 'SELECT * FROM chat_memory_proposals WHERE id = ?').get(p.proposal_id) as ProposalRow | undefined;
  if (!row) throw notFound('chat memory proposal', p.proposal_id);
  if (row.status !== 'open') throw new AppError('conflict', `proposal ${row.id} is already ${row.status}`);
  let capsuleId: number | null = null;
  if (p.decision === 'accept') capsuleId = remember(ctx, row.session_id, row.message_id ?? 0, p.text ?? row.text, 0.6).id;
  sql(ctx.db, 'UPDATE chat_memory_proposals SET status = ?, capsule_id = ?, decided_at = ? WHERE id = ? AND status = ?').run(
    p.decision === 'accept' ? 'accepted' : 'rejected',
    capsuleId,
    nowIso(),
    row.id,
    'open',
  );
  return { ok: true, proposal: toProposal(sql(ctx.db, 'SELECT * FROM chat_memory_proposals WHERE id = ?').get(row.id) as ProposalRow) };
});

export const memoryServices = [rememberService, endService, decideService];
