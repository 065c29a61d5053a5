// Waking drivers: `kick` starts a run's driver (or makes the running one go round once more) — on a new run, an
// operator command, a queue change of one of its gates or actions, a retry timer, a server start. At a start,
// the runs that were active are woken in slices between turns of the event loop, so the server answers other
// requests at once while a thousand runs resume; each slice first commits, in ONE transaction, the
// `step_resumed_in_flight` events of its attempts that were in flight (instead of one commit per run).
import type { ServerContext } from '../../context';
import type { ServiceRegistry } from '../registry';
import { didChange as actionsDidChange } from '../../protocol/actions';
import { runStore } from './runStore';
import { disarmAll, disarmDeadline } from './deadline';
import { ENGINE, engineOf, notify } from './engineState';
import { drive, resumeKey } from './drive';

/** Runs woken per turn of the event loop after a restart. */
const SLICE = 25;

/** Wake a run's driver (or make the running driver go round once more). */
export function kick(ctx: ServerContext, runId: number): void {
  const st = engineOf(ctx);
  if (st.stopped) return;
  if (st.driving.has(runId)) {
    st.again.add(runId);
    return;
  }
  const p = (async () => {
    do {
      st.again.delete(runId);
      try {
        await drive(ctx, runId);
      } catch (err) {
        if (st.stopped) return;
        ctx.log.error(`workflow run ${runId}: engine error`, err);
        runStore(ctx.db).transition(runId, ['queued', 'running', 'waiting_approval'], 'failed', ENGINE, {
          error: `engine error: ${(err as Error)?.message ?? String(err)}`,
        });
      }
      notify(ctx, runId);
    } while (st.again.has(runId) && !st.stopped);
  })().finally(() => {
    st.driving.delete(runId);
    const status = runStore(ctx.db).clock(runId)?.status;
    if (status === 'completed' || status === 'failed' || status === 'cancelled') disarmDeadline(ctx, runId);
  });
  st.driving.set(runId, p);
}

/** Kick the run at `at` (a retry's backoff). */
export function schedule(ctx: ServerContext, runId: number, at: string): void {
  const st = engineOf(ctx);
  clearTimeout(st.timers.get(runId));
  const t = setTimeout(
    () => {
      st.timers.delete(runId);
      kick(ctx, runId);
    },
    Math.max(0, Date.parse(at) - Date.now()),
  );
  t.unref?.();
  st.timers.set(runId, t);
}

/** Wake the run whose gate or action changed in the queue. */
function onQueueChange(ctx: ServerContext, name: string, payload: unknown): void {
  if (name !== actionsDidChange.name) return;
  const runRef = (payload as { action?: { run_id?: string | null } | null }).action?.run_id;
  const m = runRef ? /^wfr_(\d+)$/.exec(runRef) : null;
  if (m) queueMicrotask(() => kick(ctx, Number(m[1])));
}

/** Commit the resume events of a slice's in-flight attempts in one transaction; their drivers skip writing them. */
function noteResumes(ctx: ServerContext, ids: readonly number[]): void {
  const rs = runStore(ctx.db);
  const noted = rs.tx(() => {
    const rows = rs.inFlightSteps(ids, Date.now());
    for (const r of rows) rs.event(r.run_id, r.position, 'step_resumed_in_flight', ENGINE, { attempt: r.attempts, step_type: r.step_type });
    return rows;
  });
  const st = engineOf(ctx);
  for (const r of noted) st.resumeNoted.add(resumeKey(r.run_id, r.position, r.attempts));
}

export function startEngine(ctx: ServerContext, registry: ServiceRegistry): void {
  const st = engineOf(ctx);
  st.registry = registry;
  st.stopped = false;
  st.unsubscribe = ctx.events.subscribe((name, payload) => onQueueChange(ctx, name, payload));
  const rs = runStore(ctx.db);
  const ids = rs.active();
  rs.tx(() => ids.forEach((id) => rs.event(id, null, 'resumed_after_restart', 'server', {})));
  const wake = (from: number) => {
    if (st.stopped || from >= ids.length) return;
    const slice = ids.slice(from, from + SLICE);
    noteResumes(ctx, slice);
    for (const id of slice) kick(ctx, id);
    setImmediate(() => wake(from + SLICE));
  };
  wake(0);
}

export async function stopEngine(ctx: ServerContext): Promise<void> {
  const st = engineOf(ctx);
  st.stopped = true;
  st.unsubscribe?.();
  for (const t of st.timers.values()) clearTimeout(t);
  st.timers.clear();
  disarmAll(ctx);
  for (const a of st.aborts.values()) a.abort(new Error('server stopping'));
  st.resumeNoted.clear();
  await Promise.allSettled([...st.driving.values()]);
}
