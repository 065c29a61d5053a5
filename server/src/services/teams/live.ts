// Live progress of runs: every status change goes through transitionRun (the conditional UPDATE, then the
// notification), and the runner emits plan / subgoal / token / tool / approval / step events. The language-server
// connection forwards them to the editor as `agentora/runs/didChange`; GET /api/runs/{id}/stream (SSE) filters
// them to one run, after a snapshot of where the run is now.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../../context';
import type { RunStatus } from '../../protocol/runs';
import { didChange, type RunEvent } from '../../protocol/runsLive';
import { runStore } from './runStore';

export function emitRun(ctx: ServerContext, ev: RunEvent): void {
  ctx.events.emit(didChange, ev);
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

export function mountRunStream(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { id: string } }>('/api/runs/:id/stream', (req, reply) => {
    const id = req.params.id;
    const rs = runStore(ctx.db);
    const run = rs.get(id);
    if (!run) return reply.code(404).send({ ok: false, error: 'not_found', message: `Run '${id}' not found` });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const send = (name: string, payload: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    // Subscribe before the snapshot so nothing that happens between the two is lost (a duplicate is harmless).
    const unsubscribe = ctx.events.subscribe((name, payload) => {
      if (name === didChange.name && (payload as RunEvent).run_id === id) send(name, payload);
    });
    const plan = rs.plan(id).plan;
    send('agentora/runs/snapshot', { run: rs.get(id), plan, subgoals: rs.subgoals(id).map(({ output: _o, ...s }) => s) });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    req.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}
