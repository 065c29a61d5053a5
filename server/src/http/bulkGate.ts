// Machine traffic takes turns; everyone else goes first. Worker machines and scripts send their dispatches,
// claims and results in bursts (bench/workers.ts: 50 dispatches and 32 results in flight at once). Node reads every
// request that arrived in one turn of the event loop and, with synchronous SQLite, ran each of them to its answer
// before looking at the network again, so a health check or a panel's request that arrived behind a burst waited
// for all of it (p99 62 ms, max 83–200 ms at ~0.7 ms of CPU per request; design/performance.md: no request waits
// > 50 ms under background load). Through this gate, bulk requests run one per turn of the event loop, in arrival
// order: between two of them Node polls the network again and answers whatever else arrived at once, so any
// other request waits for at most one bulk request. The bulk work itself loses nothing but a loop turn each.
import { setImmediate } from 'node:timers';

/** The routes of worker machines and job producers (POST only): everything else is interactive. */
const BULK = new Set([
  '/api/workers/dispatch',
  '/api/workers/register',
  '/api/workers/heartbeat',
  '/api/workers/claim',
  '/api/workers/goodbye',
  '/api/workers/jobs/:id/result',
  '/api/workers/jobs/:id/fail',
  '/api/workers/jobs/:id/start',
]);

export const isBulkRoute = (method: string, routeUrl: string | undefined): boolean => method === 'POST' && BULK.has(routeUrl ?? '');

export interface BulkGate {
  /** Resolves when it is this request's turn (FIFO; one per event-loop turn). */
  turn(): Promise<void>;
  /** Requests waiting for their turn now. */
  waiting(): number;
}

export function createBulkGate(): BulkGate {
  const queue: (() => void)[] = [];
  let armed = false;
  // A check-phase callback lets one request through; its handler runs in the microtasks right after it. The next
  // callback is queued from inside the check phase, so it runs only after the next poll for I/O.
  const next = () => {
    queue.shift()?.();
    if (queue.length) setImmediate(next);
    else armed = false;
  };
  return {
    turn() {
      return new Promise<void>((resolve) => {
        queue.push(resolve);
        if (!armed) {
          armed = true;
          setImmediate(next);
        }
      });
    },
    waiting: () => queue.length,
  };
}
