// All chat SQL: rows ↔ protocol shapes, the active branch of the message tree, and the memories a turn used.
import type { Db } from '../../store/db';
import type { Attachment, Message, MessageStatus, Session } from '../../protocol/chat';
import { notFound } from '../../protocol';
import { sql } from '../memory/store';

export interface SessionRow {
  id: number;
  title: string;
  model: string | null;
  system_prompt: string;
  temperature: number | null;
  num_ctx: number | null;
  memory_mode: Session['memory_mode'];
  active_leaf_id: number | null;
  message_count: number;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
  deleted_at: string | null;
}

export interface MessageRow {
  id: number;
  session_id: number;
  parent_id: number | null;
  role: 'user' | 'assistant' | 'system';
  content: string;
  status: MessageStatus;
  model: string | null;
  prompt_eval_count: number | null;
  eval_count: number | null;
  error: string | null;
  fix_hint: string | null;
  context_id: number | null;
  attachment_json: string | null;
  created_at: string;
  updated_at: string;
}

export const nowIso = (): string => new Date().toISOString();

export function sessionRow(db: Db, id: number, includeDeleted = false): SessionRow {
  const row = sql(db, 'SELECT * FROM chat_sessions WHERE id = ?').get(id) as SessionRow | undefined;
  if (!row || (row.deleted_at && !includeDeleted)) throw notFound('chat session', id);
  return row;
}

export function messageRow(db: Db, id: number): MessageRow {
  const row = sql(db, 'SELECT * FROM chat_messages WHERE id = ?').get(id) as MessageRow | undefined;
  if (!row) throw notFound('chat message', id);
  return row;
}

export function toSession(r: SessionRow, streaming: boolean): Session {
  return {
    session_id: r.id,
    title: r.title,
    model: r.model,
    system_prompt: r.system_prompt,
    temperature: r.temperature,
    num_ctx: r.num_ctx,
    memory_mode: r.memory_mode,
    active_leaf_id: r.active_leaf_id,
    message_count: r.message_count,
    created_at: r.created_at,
    updated_at: r.updated_at,
    ended_at: r.ended_at,
    deleted_at: r.deleted_at,
    streaming,
  };
}

/** Root-first chain of messages ending at `leafId` (a recursive walk up the parent ids). */
export function pathTo(db: Db, leafId: number | null): MessageRow[] {
  if (leafId === null) return [];
  const rows = sql(
    db,
    `WITH RECURSIVE up(id, depth) AS (SELECT ?, 0 UNION ALL SELECT m.parent_id, up.depth + 1 FROM chat_messages m JOIN up ON m.id = up.id WHERE m.parent_id IS NOT NULL)
     SELECT m.* FROM up JOIN chat_messages m ON m.id = up.id ORDER BY up.depth DESC`,
  ).all(leafId) as MessageRow[];
  return rows;
}

/** The newest leaf under `id` (following the newest child at each step): where a branch switch lands. */
export function newestLeafUnder(db: Db, id: number): number {
  const child = sql(db, 'SELECT id FROM chat_messages WHERE parent_id = ? ORDER BY id DESC LIMIT 1');
  let cur = id;
  for (let i = 0; i < 100_000; i++) {
    const next = child.get(cur) as { id: number } | undefined;
    if (!next) return cur;
    cur = next.id;
  }
  return cur;
}

function siblingsOf(db: Db, m: MessageRow): number[] {
  const rows =
    m.parent_id === null
      ? sql(db, 'SELECT id FROM chat_messages WHERE session_id = ? AND parent_id IS NULL ORDER BY id').all(m.session_id)
      : sql(db, 'SELECT id FROM chat_messages WHERE parent_id = ? ORDER BY id').all(m.parent_id);
  return (rows as { id: number }[]).map((r) => r.id);
}

interface UsedRow {
  memory_id: number;
  score: number;
  breakdown_json: string;
  reason: string;
  text: string | null;
}

export function memoriesOfContext(db: Db, contextId: number | null): Message['memories'] {
  if (contextId === null) return [];
  const rows = sql(
    db,
    `SELECT i.memory_id, i.score, i.breakdown_json, i.reason, m.text FROM memory_context_items i LEFT JOIN memories m ON m.id = i.memory_id
     WHERE i.context_id = ? AND i.admitted = 1 ORDER BY i.position`,
  ).all(contextId) as UsedRow[];
  return rows.map((r) => ({
    capsule_id: r.memory_id,
    text: r.text ?? '(deleted)',
    score: r.score,
    breakdown: JSON.parse(r.breakdown_json) as Record<string, unknown>,
    reason: r.reason,
  }));
}

export function toMessage(db: Db, m: MessageRow): Message {
  return {
    message_id: m.id,
    session_id: m.session_id,
    parent_id: m.parent_id,
    role: m.role,
    content: m.content,
    status: m.status,
    model: m.model,
    prompt_eval_count: m.prompt_eval_count,
    eval_count: m.eval_count,
    error: m.error,
    fix_hint: m.fix_hint,
    attachment: m.attachment_json ? (JSON.parse(m.attachment_json) as Attachment) : null,
    created_at: m.created_at,
    updated_at: m.updated_at,
    sibling_ids: siblingsOf(db, m),
    context_id: m.context_id,
    memories: memoriesOfContext(db, m.context_id),
  };
}

export function insertMessage(
  db: Db,
  m: {
    session_id: number;
    parent_id: number | null;
    role: MessageRow['role'];
    content: string;
    status: MessageStatus;
    model: string | null;
    attachment?: Attachment;
  },
): number {
  const now = nowIso();
  return db.transaction(() => {
    const id = Number(
      sql(
        db,
        `INSERT INTO chat_messages (session_id, parent_id, role, content, status, model, attachment_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(m.session_id, m.parent_id, m.role, m.content, m.status, m.model, m.attachment ? JSON.stringify(m.attachment) : null, now, now)
        .lastInsertRowid,
    );
    sql(db, 'UPDATE chat_sessions SET active_leaf_id = ?, message_count = message_count + 1, updated_at = ? WHERE id = ?').run(id, now, m.session_id);
    return id;
  })();
}

/** Persist what has streamed so far (called every flush interval and at the end). */
export function saveContent(db: Db, id: number, content: string): void {
  sql(db, 'UPDATE chat_messages SET content = ?, updated_at = ? WHERE id = ?').run(content, nowIso(), id);
}

/** A streaming answer's flush: only what arrived since the last one crosses into SQLite. */
export function appendContent(db: Db, id: number, more: string): void {
  sql(db, 'UPDATE chat_messages SET content = content || ?, updated_at = ? WHERE id = ?').run(more, nowIso(), id);
}

export function finishMessage(
  db: Db,
  id: number,
  f: {
    content: string;
    status: MessageStatus;
    prompt_eval_count?: number | null;
    eval_count?: number | null;
    error?: string | null;
    fix_hint?: string | null;
  },
): void {
  sql(
    db,
    `UPDATE chat_messages SET content = ?, status = ?, prompt_eval_count = ?, eval_count = ?, error = ?, fix_hint = ?, updated_at = ? WHERE id = ?`,
  ).run(f.content, f.status, f.prompt_eval_count ?? null, f.eval_count ?? null, f.error ?? null, f.fix_hint ?? null, nowIso(), id);
}

/** After a crash: every answer still marked `streaming` keeps what arrived and becomes `interrupted`. */
export function markInterrupted(db: Db): number {
  return sql(
    db,
    `UPDATE chat_messages SET status = 'interrupted', error = 'The server stopped while this answer was streaming; what arrived is kept.',
       fix_hint = 'Regenerate to get a complete answer.', updated_at = ? WHERE status = 'streaming'`,
  ).run(nowIso()).changes;
}
