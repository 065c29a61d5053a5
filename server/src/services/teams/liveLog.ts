// The log of a run's live events: every notification the runner sends is numbered here (its `seq`, the SSE event
// id, is the row id it is stored under). A stream that connects late, or reconnects with Last-Event-ID, replays
// the rows after the id it has, then follows live events — so it misses nothing and sees nothing twice.
//
// Writes are batched: an event gets its seq at once (a counter seeded from the table) and waits in memory for at
// most FLUSH_MS, when all pending events are inserted in ONE transaction. A commit per event (token batches
// included) was the largest server cost under 50 concurrent runs (bench/teams.ts CPU profile: the log's inserts
// took more than the runs' own step transactions). Every read flushes first, so a replay always sees every event
// already sent, and the server's stop flushes. What a kill -9 loses is at most the last FLUSH_MS of events — a
// replay aid, not the run's state (steps are committed by the runner itself, and the stream's snapshot reads them).
import type { Db } from '../../store/db';
import type { RunEvent } from '../../protocol/runsLive';

/** The longest an event waits for its write (one commit per window instead of one per event). */
const FLUSH_MS = 20;

/** Ids skipped at a restart (far more than one flush window of events). */
const RESTART_GAP = 100_000;

type Pending = [id: number, runId: string, payload: string, createdAt: string];

class LiveLog {
  private readonly s;
  private next: number | null = null;
  private pending: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare<Pending>('INSERT INTO run_live_events (id, run_id, payload, created_at) VALUES (?, ?, ?, ?)'),
      since: db.prepare<[string, number], { id: number; payload: string }>(
        'SELECT id, payload FROM run_live_events WHERE run_id = ? AND id > ? ORDER BY id',
      ),
      last: db.prepare<[string], { id: number | null }>('SELECT max(id) AS id FROM run_live_events WHERE run_id = ?'),
      max: db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM run_live_events'),
    };
  }

  /** Number an event and queue it for the batched write; its seq increases across runs, so per run too. */
  append(ev: RunEvent): number {
    const { seq: _s, ...payload } = ev;
    // A new process numbers on past a gap: events sent in the last FLUSH_MS before a kill -9 were never stored, and
    // a client may hold one of their ids as its Last-Event-ID — new events must still be after it.
    this.next ??= (this.s.max.get()?.id ?? 0) + RESTART_GAP;
    const id = ++this.next;
    this.pending.push([id, ev.run_id, JSON.stringify(payload), new Date().toISOString()]);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
    return id;
  }

  /** Write every queued event in one transaction (also called before any read). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // After the database closed (server stopping) nothing can be written; the runners were stopped before it.
    if (!this.pending.length || !this.db.open) return;
    const rows = this.pending;
    this.pending = [];
    try {
      this.db.transaction(() => {
        for (const r of rows) this.s.insert.run(...r);
      })();
    } catch (err) {
      // A run deleted between the event and the write (foreign key): its events have no reader left. Anything
      // else is a real fault — keep the rows that still have a run.
      if (!/FOREIGN KEY/.test((err as Error).message)) throw err;
      const alive = this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM runs WHERE id = ?');
      this.db.transaction(() => {
        for (const r of rows) if (alive.get(r[1])?.n) this.s.insert.run(...r);
      })();
    }
  }

  /** The run's events after `seq`, in order, each with its seq. */
  since(runId: string, seq: number): RunEvent[] {
    this.flush();
    return this.s.since.all(runId, seq).map((r) => ({ ...(JSON.parse(r.payload) as RunEvent), seq: r.id }));
  }

  last(runId: string): number {
    this.flush();
    return this.s.last.get(runId)?.id ?? 0;
  }
}

const logs = new WeakMap<Db, LiveLog>();
export function liveLog(db: Db): LiveLog {
  let l = logs.get(db);
  if (!l) logs.set(db, (l = new LiveLog(db)));
  return l;
}
