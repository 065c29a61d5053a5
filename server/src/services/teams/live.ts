// Live progress of runs: every status change goes through transitionRun (the conditional UPDATE, then the
// notification), and the runner emits plan / subgoal / token / tool / approval / step events. Each event is
// written to the run's live log (liveLog.ts) before it is sent, numbered by `seq`. The language-server connection
// forwards them to the editor as `agentora/runs/didChange`; GET /api/runs/{id}/stream (SSE) sends a snapshot of
// where the run is now, replays the logged events after Last-Event-ID (all of them on a first connect), then
// follows the live ones — each event once, in order, whenever the client connects.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServerContext } from '../../context';
import { sendError } from '../../http/rest';
import { AppError } from '../../protocol/errors';
import type { RunStatus } from '../../protocol/runs';
import { didChange, type RunEvent } from '../../protocol/runsLive';
import { liveLog } from './liveLog';
import { runStore } from './runStore';

export function emitRun(ctx: ServerContext, ev: RunEvent): void {
  const seq = liveLog(ctx.db).append(ev);
  ctx.events.emit(didChange, { ...ev, seq });
}
/** A state change of a run, announced when (and only when) it happened. */
export function transitionRun(
  ctx: ServerContext,
  id: string,
  from: RunStatus[],
  to: RunStatus,
  extra: { stop_reason?: string; error?: string } = {},
): boolean {
  const ok = runStore(ctx.db).transition(id, from, to, extra);
  if (ok) emitRun(ctx, { run_id: id, kind: 'status', status: to, data: { ...extra } });
  return ok;
}

const HEARTBEAT_MS = 15_000;
/** The event id a client already has: the standard Last-Event-ID header, or `last_event_id` in the query. */
const Since = z.object({ last_event_id: z.coerce.number().int().min(0).default(0) });

export function mountRunStream(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { id: string }; Querystring: Record<string, string> }>('/api/runs/:id/stream', (req, reply) => {
    const id = req.params.id;
    const rs = runStore(ctx.db);
    const run = rs.get(id);
    if (!run) return reply.code(404).send({ ok: false, error: 'not_found', message: `Run '${id}' not found` });
    const header = req.headers['last-event-id'];
    const since = Since.safeParse({ last_event_id: (typeof header === 'string' && header !== '' ? header : undefined) ?? req.query.last_event_id });
    if (!since.success)
      return sendError(
        reply,
        new AppError('bad_request', 'Invalid params: last_event_id: expected the id of an event of this stream (an integer ≥ 0)', [
          { path: 'last_event_id', message: 'expected an integer ≥ 0' },
        ]),
      );
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // Node's response corks the socket on write and uncorks on process.nextTick — which, for an event emitted from
    // the runner (a promise continuation), waits until the runner's synchronous stretch and the microtask queue
    // are done (the next step's preparation included). Uncorking at once sends the event now: the step → client
    // latency is the commit plus one write, not plus whatever the runner does next.
    const send = (name: string, payload: unknown, seq?: number) => {
      res.write(`${seq !== undefined ? `id: ${seq}\n` : ''}event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
      res.socket?.uncork();
    };
    // Snapshot, replay and subscription happen in one synchronous stretch: emitRun logs and sends synchronously
    // too, so no event can fall between the replay and the subscription. `last` guards anyway (a duplicate id is
    // never sent).
    let last = since.data.last_event_id;
    const forward = (ev: RunEvent) => {
      if (ev.seq !== undefined && ev.seq <= last) return;
      if (ev.seq !== undefined) last = ev.seq;
      send(didChange.name, ev, ev.seq);
    };
    const log = liveLog(ctx.db);
    const plan = rs.plan(id).plan;
    send('agentora/runs/snapshot', {
      run: rs.get(id),
      plan,
      subgoals: rs.subgoals(id).map(({ output: _o, ...s }) => s),
      last_event_id: log.last(id),
    });
    for (const ev of log.since(id, last)) forward(ev);
    const unsubscribe = ctx.events.subscribe((name, payload) => {
      if (name === didChange.name && (payload as RunEvent).run_id === id) forward(payload as RunEvent);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    req.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}
