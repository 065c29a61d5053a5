// How many model calls run at once against one Ollama, and who goes next. A real Ollama answers only a few
// requests per model at a time (OLLAMA_NUM_PARALLEL); the rest wait inside Ollama anyway, each holding an HTTP
// connection and a timeout that ticks while it waits. So calls wait here instead, in a fair queue: one FIFO lane
// per kind of caller (chat, team step, workflow step, …), served round-robin, so a thousand workflow steps
// resuming after a restart do not push an operator's chat answer to the back. A waiting call leaves the queue
// the moment its AbortSignal aborts (it never reaches Ollama), and its own timeout starts only once it is sent.
import { ModelProviderError } from './types';

interface Waiter {
  grant: (release: () => void) => void;
}

export class CallQueue {
  private active = 0;
  /** Waiting calls per lane, oldest first; the Map's order is the round-robin order of the lanes. */
  private readonly lanes = new Map<string, Set<Waiter>>();

  constructor(private max: number) {}

  /** Change the cap (a settings change); a raised cap lets waiting calls in at once. */
  setMax(max: number): void {
    this.max = Math.max(1, max);
    this.pump();
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.size;
    return n;
  }

  /**
   * Wait for a free slot in `lane`. Resolves with the slot's release function (call it exactly once, when the
   * call ends however it ends); rejects with an `aborted` error, and leaves the queue, when `signal` aborts first.
   */
  acquire(lane: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(aborted());
    if (this.active < this.max && this.lanes.size === 0) return Promise.resolve(this.take());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.leave(lane, waiter);
        reject(aborted());
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let q = this.lanes.get(lane);
      if (!q) this.lanes.set(lane, (q = new Set()));
      q.add(waiter);
    });
  }

  private take(): () => void {
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.pump();
    };
  }

  private leave(lane: string, w: Waiter): void {
    const q = this.lanes.get(lane);
    if (!q?.delete(w)) return;
    if (q.size === 0) this.lanes.delete(lane);
  }

  /** Hand free slots to the lanes in turn: the head of the first lane, which then moves to the back. */
  private pump(): void {
    while (this.active < this.max && this.lanes.size > 0) {
      const [lane, q] = this.lanes.entries().next().value as [string, Set<Waiter>];
      const w = q.values().next().value as Waiter;
      q.delete(w);
      this.lanes.delete(lane);
      if (q.size > 0) this.lanes.set(lane, q); // to the back of the round
      w.grant(this.take());
    }
  }
}

const aborted = () =>
  new ModelProviderError(
    'The model request was cancelled while it waited for a free model slot',
    'aborted',
    'Try again; raise agentora.models.maxParallel if Ollama can serve more requests at once (OLLAMA_NUM_PARALLEL).',
  );
