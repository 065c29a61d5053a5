// A turn is a job: `send` / `regenerate` insert the messages and answer at once; the answer streams in the
// background through the model provider (`chat` with stream:true), each piece as a didToken notification, and
// its content is flushed to SQLite at most every FLUSH_MS — so a kill -9 keeps what arrived up to then (the next
// start marks it interrupted). Stop aborts the provider request (its fetch, so Ollama sees the connection close).
import type { ServerContext } from '../../context';
import type { ChatMessage } from '../../bridges/models';
import { ModelProviderError } from '../../bridges/models';
import * as C from '../../protocol/chat';
import { AppError } from '../../protocol';
import { appendContent, finishMessage, insertMessage, messageRow, pathTo, sessionRow, type MessageRow, type SessionRow } from './store';
import { memoryForTurn, systemWithMemories } from './memory';
import { defaultModel } from '../models/defaults';
import { streamTrace } from '../../bridges/models/streamTrace';

// A flush is a synchronous SQLite write on the event loop (~0.3–0.5 ms): a token arriving meanwhile waits for it.
// Every 100 ms that was ~1 % of the tokens of a fast stream — the whole p99 of the per-token budget (issue 11);
// every 250 ms it is < 0.5 %, and a kill -9 loses at most the last quarter second of an answer. Each flush
// appends only what arrived since the last one (not the whole answer again).
const FLUSH_MS = 250;

interface Running {
  messageId: number;
  controller: AbortController;
  /** Why it was aborted: the operator pressed Stop, or the server is shutting down. */
  reason?: 'stop' | 'shutdown';
  done: Promise<void>;
  /** Write what has streamed so far (used at shutdown, while the database is still open). */
  persist?: () => void;
}

const state = new WeakMap<ServerContext, Map<number, Running>>();
function running(ctx: ServerContext): Map<number, Running> {
  let m = state.get(ctx);
  if (!m) state.set(ctx, (m = new Map()));
  return m;
}

export const isStreaming = (ctx: ServerContext, sessionId: number): boolean => running(ctx).has(sessionId);

function attachmentText(m: MessageRow): string {
  if (!m.attachment_json) return m.content;
  const a = JSON.parse(m.attachment_json) as C.Attachment;
  const where = a.start_line ? `${a.path} (lines ${a.start_line}-${a.end_line ?? a.start_line})` : a.path;
  return `${m.content}\n\n${where}:\n\`\`\`${a.language}\n${a.text}\n\`\`\``;
}

/** The conversation the model sees: the path to the user message, minus answers that produced nothing. */
function historyFor(path: MessageRow[]): ChatMessage[] {
  return path
    .filter((m) => m.role !== 'assistant' || m.content.trim() !== '')
    .map((m) => ({ role: m.role, content: m.role === 'user' ? attachmentText(m) : m.content }));
}

function providerError(err: unknown): ModelProviderError {
  if (err instanceof ModelProviderError) return err;
  return new ModelProviderError(String((err as Error)?.message ?? err), 'bad_response', 'See the Agentora log for the full error.');
}

async function stream(ctx: ServerContext, session: SessionRow, userId: number, assistantId: number, run: Running): Promise<void> {
  const db = ctx.db;
  let content = '';
  let seq = 0;
  let flushed = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (flushed === content.length || run.reason === 'shutdown') return;
    appendContent(db, assistantId, content.slice(flushed));
    flushed = content.length;
  };
  run.persist = () => {
    if (timer) clearTimeout(timer);
    finishMessage(db, assistantId, {
      content,
      status: 'interrupted',
      error: 'The server stopped while this answer was streaming; what arrived is kept.',
      fix_hint: 'Regenerate to get a complete answer.',
    });
  };
  const finish = (f: Parameters<typeof finishMessage>[2]) => {
    if (timer) clearTimeout(timer);
    if (run.reason === 'shutdown') return; // stop() already marked it; the database may be closing
    finishMessage(db, assistantId, f);
    ctx.events.emit(C.didMessage, {
      session_id: session.id,
      message_id: assistantId,
      status: f.status,
      prompt_eval_count: f.prompt_eval_count ?? null,
      eval_count: f.eval_count ?? null,
      error: f.error ?? null,
      fix_hint: f.fix_hint ?? null,
    });
  };
  try {
    const path = pathTo(db, userId);
    const lastUser = path[path.length - 1]!;
    const used = session.memory_mode === 'off' ? null : await memoryForTurn(ctx, session.id, assistantId, lastUser.content);
    const system = systemWithMemories(session.system_prompt, used?.memories ?? []);
    const messages: ChatMessage[] = [...(system ? [{ role: 'system' as const, content: system }] : []), ...historyFor(path)];
    const options: Record<string, number> = {};
    if (session.temperature !== null) options.temperature = session.temperature;
    if (session.num_ctx !== null) options.num_ctx = session.num_ctx;
    let last: { promptEvalCount?: number; evalCount?: number } = {};
    for await (const chunk of ctx.models.chat({
      model: session.model ?? defaultModel(ctx, 'chat'),
      messages,
      options,
      signal: run.controller.signal,
      route: { kind: 'model_chat', ref: `chat-${session.id}` },
    })) {
      if (run.controller.signal.aborted) break;
      if (chunk.content) {
        content += chunk.content;
        streamTrace?.token(assistantId, seq + 1, chunk);
        ctx.events.emit(C.didToken, { session_id: session.id, message_id: assistantId, seq: ++seq, delta: chunk.content });
        timer ??= setTimeout(flush, FLUSH_MS);
      }
      if (chunk.done) last = chunk;
    }
    if (run.controller.signal.aborted) return finish({ content, status: 'stopped' });
    const tooLong = session.num_ctx !== null && (last.promptEvalCount ?? 0) >= session.num_ctx;
    finish({
      content,
      status: 'complete',
      prompt_eval_count: last.promptEvalCount ?? null,
      eval_count: last.evalCount ?? null,
      ...(tooLong
        ? {
            error: `The conversation (${last.promptEvalCount} tokens) filled the context length (${session.num_ctx}); the model saw only its end.`,
            fix_hint: 'Raise the context length in the session options, or start a new session.',
          }
        : {}),
    });
  } catch (err) {
    if (run.controller.signal.aborted) return finish({ content, status: 'stopped' });
    const e = providerError(err);
    ctx.log.warn(`chat ${session.id}: answer ${assistantId} failed: ${e.message}`);
    const fix = e.code === 'unreachable' || e.code === 'model_not_found' ? e.fixHint : content ? `${e.fixHint} Regenerate to retry.` : e.fixHint;
    finish({ content, status: content ? 'interrupted' : 'error', error: e.message, fix_hint: fix });
  }
}

function start(ctx: ServerContext, session: SessionRow, userId: number, model: string): number {
  const map = running(ctx);
  if (map.has(session.id))
    throw new AppError('conflict', `chat session ${session.id} is already answering`, undefined, 'Wait for the answer or press Stop.');
  const assistantId = insertMessage(ctx.db, {
    session_id: session.id,
    parent_id: userId,
    role: 'assistant',
    content: '',
    status: 'streaming',
    model,
  });
  const run: Running = { messageId: assistantId, controller: new AbortController(), done: Promise.resolve() };
  map.set(session.id, run);
  ctx.events.emit(C.didMessage, {
    session_id: session.id,
    message_id: assistantId,
    status: 'streaming',
    prompt_eval_count: null,
    eval_count: null,
    error: null,
    fix_hint: null,
  });
  // Started on the next turn of the event loop so the request answers before the first token.
  run.done = new Promise<void>((r) => setImmediate(r))
    .then(() => stream(ctx, session, userId, assistantId, run))
    .catch((err) => ctx.log.error(`chat ${session.id}: answer ${assistantId} crashed`, err))
    .finally(() => {
      if (map.get(session.id) === run) map.delete(session.id);
    });
  return assistantId;
}

export function send(
  ctx: ServerContext,
  p: { session_id: number; content: string; parent_id?: number | null; attachment?: C.Attachment },
): { user: number; assistant: number } {
  const session = sessionRow(ctx.db, p.session_id);
  if (running(ctx).has(session.id))
    throw new AppError('conflict', `chat session ${session.id} is already answering`, undefined, 'Wait for the answer or press Stop.');
  let parent: number | null = p.parent_id === undefined ? session.active_leaf_id : p.parent_id;
  if (parent !== null) {
    const m = messageRow(ctx.db, parent);
    if (m.session_id !== session.id)
      throw new AppError('bad_request', `parent_id ${parent} is not in session ${session.id}`, [
        { path: 'parent_id', message: 'not in this session' },
      ]);
    if (m.role === 'user')
      throw new AppError('bad_request', `parent_id ${parent} is a user message; answer after an assistant message`, [
        { path: 'parent_id', message: 'must not be a user message' },
      ]);
    parent = m.id;
  }
  const model = session.model ?? defaultModel(ctx, 'chat');
  const user = insertMessage(ctx.db, {
    session_id: session.id,
    parent_id: parent,
    role: 'user',
    content: p.content,
    status: 'complete',
    model: null,
    attachment: p.attachment,
  });
  return { user, assistant: start(ctx, session, user, model) };
}

export function regenerate(ctx: ServerContext, sessionId: number, messageId: number): number {
  const session = sessionRow(ctx.db, sessionId);
  const m = messageRow(ctx.db, messageId);
  if (m.session_id !== session.id)
    throw new AppError('bad_request', `message ${m.id} is not in session ${session.id}`, [{ path: 'message_id', message: 'not in this session' }]);
  const userId = m.role === 'user' ? m.id : m.parent_id;
  if (userId === null)
    throw new AppError('bad_request', `message ${m.id} answers nothing`, [{ path: 'message_id', message: 'has no user message before it' }]);
  return start(ctx, session, userId, session.model ?? defaultModel(ctx, 'chat'));
}

export function stop(ctx: ServerContext, sessionId: number): number[] {
  sessionRow(ctx.db, sessionId);
  const run = running(ctx).get(sessionId);
  if (!run) return [];
  run.reason = 'stop';
  run.controller.abort();
  return [run.messageId];
}

/** Wait for a session's answer to finish (stop, end, error): used before an answer is marked stopped. */
export async function settled(ctx: ServerContext, sessionId: number): Promise<void> {
  await running(ctx).get(sessionId)?.done;
}

/** Server shutdown: abort every stream and mark the answers interrupted while the database is still open. */
export function stopAll(ctx: ServerContext): void {
  for (const run of running(ctx).values()) {
    run.reason = 'shutdown';
    run.controller.abort();
    try {
      run.persist?.();
    } catch (err) {
      ctx.log.warn(`chat: could not keep answer ${run.messageId} at shutdown: ${(err as Error).message}`);
    }
  }
  running(ctx).clear();
}
