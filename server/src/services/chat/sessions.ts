// Session services: create, list (newest first, FTS5 search over titles and contents), get (active branch),
// update, delete with an undo window (then purged), restore, branch switching and export.
import type { ServerContext } from '../../context';
import * as C from '../../protocol/chat';
import { AppError } from '../../protocol';
import { implement } from '../registry';
import { sql } from '../memory/store';
import { isStreaming } from './runner';
import { messageRow, newestLeafUnder, nowIso, pathTo, sessionRow, toMessage, toSession, type SessionRow } from './store';
import { proposalsOf } from './memory';
import { defaultModel } from '../models/defaults';

/** How long a deleted session can be restored before it is purged. */
export const UNDO_MS = 30_000;

export function detail(ctx: ServerContext, id: number): C.SessionDetail {
  const row = sessionRow(ctx.db, id);
  return {
    ok: true,
    session: toSession(row, isStreaming(ctx, id)),
    messages: pathTo(ctx.db, row.active_leaf_id).map((m) => toMessage(ctx.db, m)),
    proposals: proposalsOf(ctx.db, id),
  };
}

/** FTS5 query from free text: every word must match (prefix match on the last one, for search-as-you-type). */
function ftsQuery(q: string): string | null {
  const terms = q.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (!terms.length) return null;
  return terms.map((t, i) => `"${t}"${i === terms.length - 1 ? '*' : ''}`).join(' AND ');
}

function changed(ctx: ServerContext, id: number, reason: string): void {
  ctx.events.emit(C.didChange, { session_id: id, reason });
}

export function purgeDeleted(ctx: ServerContext): number {
  const cutoff = new Date(Date.now() - UNDO_MS).toISOString();
  return sql(ctx.db, 'DELETE FROM chat_sessions WHERE deleted_at IS NOT NULL AND deleted_at < ?').run(cutoff).changes;
}

function markdownOf(d: C.SessionDetail, defaultModel: string): string {
  const s = d.session;
  const lines = [`# ${s.title}`, '', `- model: ${s.model ?? defaultModel}`, `- created: ${s.created_at}`, `- memory: ${s.memory_mode}`];
  if (s.temperature !== null) lines.push(`- temperature: ${s.temperature}`);
  if (s.num_ctx !== null) lines.push(`- context length: ${s.num_ctx}`);
  if (s.system_prompt) lines.push('', '## System', '', s.system_prompt);
  for (const m of d.messages) {
    lines.push('', `## ${m.role === 'user' ? 'User' : m.role === 'assistant' ? 'Assistant' : 'System'}`, '');
    if (m.attachment) {
      const where = m.attachment.start_line
        ? `${m.attachment.path}:${m.attachment.start_line}-${m.attachment.end_line ?? m.attachment.start_line}`
        : m.attachment.path;
      lines.push(`\`${where}\``, '', '```' + m.attachment.language, m.attachment.text, '```', '');
    }
    lines.push(m.content);
    if (m.status !== 'complete') lines.push('', `_(${m.status}${m.error ? `: ${m.error}` : ''})_`);
    if (m.memories.length) lines.push('', `_memories used: ${m.memories.map((x) => `#${x.capsule_id}`).join(', ')}_`);
  }
  return lines.join('\n') + '\n';
}

export const sessionServices = [
  implement(C.createSession, (p, ctx) => {
    const now = nowIso();
    const id = Number(
      sql(
        ctx.db,
        `INSERT INTO chat_sessions (title, model, system_prompt, temperature, num_ctx, memory_mode, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(p.title, p.model ?? null, p.system_prompt, p.temperature ?? null, p.num_ctx ?? null, p.memory_mode, now, now).lastInsertRowid,
    );
    changed(ctx, id, 'created');
    return { ok: true, session: toSession(sessionRow(ctx.db, id), false) };
  }),

  implement(C.listSessions, (p, ctx) => {
    let rows: SessionRow[];
    let total: number;
    if (p.q && ftsQuery(p.q)) {
      const match = ftsQuery(p.q)!;
      const where = `deleted_at IS NULL AND id IN (SELECT session_id FROM chat_search WHERE chat_search MATCH ?)`;
      rows = sql(ctx.db, `SELECT * FROM chat_sessions WHERE ${where} ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`).all(
        match,
        p.limit,
        p.offset,
      ) as SessionRow[];
      total = (sql(ctx.db, `SELECT COUNT(*) AS n FROM chat_sessions WHERE ${where}`).get(match) as { n: number }).n;
    } else {
      rows = sql(ctx.db, 'SELECT * FROM chat_sessions WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?').all(
        p.limit,
        p.offset,
      ) as SessionRow[];
      total = (sql(ctx.db, 'SELECT COUNT(*) AS n FROM chat_sessions WHERE deleted_at IS NULL').get() as { n: number }).n;
    }
    return { ok: true, items: rows.map((r) => toSession(r, isStreaming(ctx, r.id))), total };
  }),

  implement(C.getSession, (p, ctx) => detail(ctx, p.session_id)),

  implement(C.updateSession, (p, ctx) => {
    const row = sessionRow(ctx.db, p.session_id);
    const next = {
      title: p.title ?? row.title,
      model: p.model === undefined ? row.model : p.model,
      system_prompt: p.system_prompt ?? row.system_prompt,
      memory_mode: p.memory_mode ?? row.memory_mode,
      temperature: p.temperature === undefined ? row.temperature : p.temperature,
      num_ctx: p.num_ctx === undefined ? row.num_ctx : p.num_ctx,
    };
    sql(
      ctx.db,
      'UPDATE chat_sessions SET title = ?, model = ?, system_prompt = ?, memory_mode = ?, temperature = ?, num_ctx = ?, updated_at = ? WHERE id = ?',
    ).run(next.title, next.model, next.system_prompt, next.memory_mode, next.temperature, next.num_ctx, nowIso(), row.id);
    changed(ctx, row.id, 'updated');
    return { ok: true, session: toSession(sessionRow(ctx.db, row.id), isStreaming(ctx, row.id)) };
  }),

  implement(C.deleteSession, (p, ctx) => {
    const row = sessionRow(ctx.db, p.session_id);
    if (isStreaming(ctx, row.id))
      throw new AppError('conflict', `chat session ${row.id} is streaming an answer`, undefined, 'Stop the answer first, then delete.');
    const now = new Date();
    sql(ctx.db, 'UPDATE chat_sessions SET deleted_at = ? WHERE id = ?').run(now.toISOString(), row.id);
    changed(ctx, row.id, 'deleted');
    return { ok: true, session_id: row.id, undo_until: new Date(now.getTime() + UNDO_MS).toISOString() };
  }),

  implement(C.restoreSession, (p, ctx) => {
    const row = sessionRow(ctx.db, p.session_id, true);
    if (!row.deleted_at) return { ok: true, session: toSession(row, isStreaming(ctx, row.id)) };
    if (Date.parse(row.deleted_at) + UNDO_MS < Date.now())
      throw new AppError('conflict', `chat session ${row.id} was deleted more than ${UNDO_MS / 1000} s ago and can no longer be restored`);
    sql(ctx.db, 'UPDATE chat_sessions SET deleted_at = NULL WHERE id = ?').run(row.id);
    changed(ctx, row.id, 'restored');
    return { ok: true, session: toSession(sessionRow(ctx.db, row.id), false) };
  }),

  implement(C.selectBranch, (p, ctx) => {
    const row = sessionRow(ctx.db, p.session_id);
    const m = messageRow(ctx.db, p.message_id);
    if (m.session_id !== row.id)
      throw new AppError('bad_request', `message ${m.id} is not in session ${row.id}`, [{ path: 'message_id', message: 'not in this session' }]);
    sql(ctx.db, 'UPDATE chat_sessions SET active_leaf_id = ? WHERE id = ?').run(newestLeafUnder(ctx.db, m.id), row.id);
    return detail(ctx, row.id);
  }),

  implement(C.exportSession, (p, ctx) => {
    const d = detail(ctx, p.session_id);
    const base = `chat-${d.session.session_id}-${
      d.session.title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 40) || 'session'
    }`;
    if (p.format === 'json') return { ok: true, format: 'json' as const, filename: `${base}.json`, content: JSON.stringify(d, null, 2) };
    return { ok: true, format: 'markdown' as const, filename: `${base}.md`, content: markdownOf(d, defaultModel(ctx, 'chat')) };
  }),
];
