// The engine's in-memory state per server (which runs have a driver, their retry timers and in-flight aborts) and
// the small helpers every part of the engine shares. Nothing here is durable: the committed rows are the truth.
import type { ServerContext } from '../../context';
import type { ServiceRegistry } from '../registry';
import { didChange } from '../../protocol/workflows';
import { runStore } from './runStore';

export interface EngineState {
  registry: ServiceRegistry | null;
  driving: Map<number, Promise<void>>;
  again: Set<number>;
  timers: Map<number, NodeJS.Timeout>;
  aborts: Map<number, AbortController>;
  /** `run:position:attempt` of in-flight steps whose `step_resumed_in_flight` event the restart already committed. */
  resumeNoted: Set<string>;
  stopped: boolean;
  unsubscribe: (() => void) | null;
}
const states = new WeakMap<ServerContext, EngineState>();
export function engineOf(ctx: ServerContext): EngineState {
  let s = states.get(ctx);
  if (!s)
    states.set(
      ctx,
      (s = {
        registry: null,
        driving: new Map(),
        again: new Set(),
        timers: new Map(),
        aborts: new Map(),
        resumeNoted: new Set(),
        stopped: false,
        unsubscribe: null,
      }),
    );
  return s;
}

export const ENGINE = 'engine';

/** Tell listeners (panels, the editor) a run changed. Reads only the run's head, not the whole run. */
export function notify(ctx: ServerContext, runId: number): void {
  const run = runStore(ctx.db).head(runId);
  if (run) ctx.events.emit(didChange, { run_id: run.id, workflow_id: run.workflow_id, status: run.status, position: run.current_position });
}

/** Abort the step in flight (cancel, skip of a running step). Its late result is ignored: completions are conditional. */
export function abortInFlight(ctx: ServerContext, runId: number, why = 'aborted by the operator'): void {
  engineOf(ctx).aborts.get(runId)?.abort(new Error(why));
}
