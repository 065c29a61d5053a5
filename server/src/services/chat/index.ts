// Chat area: services and runtime. On start, answers left `streaming` by a crash become `interrupted`; deleted
// sessions past their undo window are purged; `GET /api/chat/sessions/:id/stream` is an SSE feed of one session.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../../context';
import type { AreaRuntime } from '../../runtime';
import * as C from '../../protocol/chat';
import { implement } from '../registry';
import { memoryServices } from './memory';
import { modelAdminServices } from './models';
import { regenerate, send, stop, stopAll } from './runner';
import { purgeDeleted, sessionServices, UNDO_MS } from './sessions';
import { markInterrupted, sessionRow } from './store';
import { streamTrace } from '../../bridges/models/streamTrace';

/** Started by an editor as its language server (stdio / IPC transport): an extension receives our notifications. */
const EDITOR_CONNECTED = process.argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--clientProcessId'));

const turnServices = [
  implement(C.send, (p, ctx) => {
    const r = send(ctx, p);
    // An attachment comes from the editor (Ask About Selection / File): the Chat view opens that session.
    if (p.attachment) ctx.events.emit(C.didChange, { session_id: p.session_id, reason: 'asked from editor' });
    return { ok: true, session_id: p.session_id, user_message_id: r.user, assistant_message_id: r.assistant };
  }),
  implement(C.regenerate, (p, ctx) => ({
    ok: true,
    session_id: p.session_id,
    user_message_id: null,
    assistant_message_id: regenerate(ctx, p.session_id, p.message_id),
  })),
  implement(C.stop, (p, ctx) => ({ ok: true, stopped: stop(ctx, p.session_id) })),
  implement(C.insertAtCursor, (p, ctx) => {
    ctx.events.emit(C.didRequestInsert, { code: p.code });
    return { ok: true, delivered: EDITOR_CONNECTED };
  }),
];

export const chatServices = [...sessionServices, ...turnServices, ...memoryServices, ...modelAdminServices];

const purgeTimers = new WeakMap<ServerContext, NodeJS.Timeout>();
const CHAT_EVENTS = new Set([C.didToken.name, C.didMessage.name, C.didChange.name]);

/** SSE for one session: the same notifications as /api/events, filtered to it (the guards already ran). */
function mountStream(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { session_id: string } }>('/api/chat/sessions/:session_id/stream', (req, reply) => {
    const id = Number(req.params.session_id);
    if (!Number.isInteger(id) || id < 1)
      return reply.code(400).send({
        ok: false,
        error: 'bad_request',
        message: 'Invalid params: session_id: must be a positive integer',
        issues: [{ path: 'session_id', message: 'must be a positive integer' }],
      });
    try {
      sessionRow(ctx.db, id);
    } catch {
      return reply.code(404).send({ ok: false, error: 'not_found', message: `chat session '${id}' not found` });
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': connected\n\n');
    // Events due in this tick go out in ONE write, on the next tick: tokens that arrived in one read from Ollama
    // (a burst) become one socket write, still one SSE event each, in order. A write per event cost a syscall and
    // its chunk framing per token.
    let pending = '';
    /** [message_id, seq] of the tokens in `pending`, only while the bench trace is on. */
    let traced: number[] = [];
    const flush = () => {
      const text = pending;
      pending = '';
      if (res.destroyed) return;
      res.write(text);
      if (streamTrace && traced.length) {
        const tokens = traced;
        traced = [];
        // Queued after the response's own uncork tick: it runs once the bytes are handed to the kernel.
        process.nextTick(() => streamTrace!.written(tokens));
      }
    };
    const send = (text: string) => {
      if (!pending) process.nextTick(flush);
      pending += text;
    };
    const unsubscribe = ctx.events.subscribe((name, payload, json) => {
      if (!CHAT_EVENTS.has(name) || (payload as { session_id?: number }).session_id !== id) return;
      send(`event: ${name}\ndata: ${json()}\n\n`);
      if (streamTrace && name === C.didToken.name) {
        const t = payload as { message_id: number; seq: number };
        traced.push(t.message_id, t.seq);
      }
    });
    const heartbeat = setInterval(() => send(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    req.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}

/** Bench-only (AGENTORA_BENCH_CHAT_TRACE=1): the in-server time (wall, and process CPU) each token of a message took, ms, in seq order. */
function mountTrace(app: FastifyInstance): void {
  if (!streamTrace) return;
  const trace = streamTrace;
  app.get<{ Querystring: { message_id?: string } }>('/api/debug/chat-trace', (req) => {
    const t = trace.take(Number(req.query.message_id));
    return { ok: true, added_ms: t.wall, added_cpu_ms: t.cpu };
  });
}

export const chatRuntime: AreaRuntime = {
  name: 'chat',
  start(ctx) {
    const n = markInterrupted(ctx.db);
    if (n) ctx.log.info(`chat: ${n} answer(s) interrupted by the last shutdown were marked`);
    purgeDeleted(ctx);
    const t = setInterval(() => purgeDeleted(ctx), UNDO_MS / 3);
    t.unref();
    purgeTimers.set(ctx, t);
  },
  mountHttp(app, ctx) {
    mountStream(app, ctx);
    mountTrace(app);
  },
  stop(ctx) {
    clearInterval(purgeTimers.get(ctx));
    stopAll(ctx);
  },
};
