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
    const unsubscribe = ctx.events.subscribe((name, payload) => {
      if (CHAT_EVENTS.has(name) && (payload as { session_id?: number }).session_id === id)
        res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    req.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
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
  },
  stop(ctx) {
    clearInterval(purgeTimers.get(ctx));
    stopAll(ctx);
  },
};
