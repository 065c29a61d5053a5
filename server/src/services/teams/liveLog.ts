// The log of a run's live events: every notification the runner sends is written here first, and its row id is
// the event's `seq` (the SSE event id). A stream that connects late, or reconnects with Last-Event-ID, replays
// the rows after the id it has, then follows live events — so it misses nothing and sees nothing twice.
import type { Db } from '../../store/db';
import type { RunEvent } from '../../protocol/runsLive';

class LiveLog {
  private readonly s;
  constructor(db: Db) {
    this.s = {
      insert: db.prepare<[string, string, string]>('INSERT INTO run_live_events (run_id, payload, created_at) VALUES (?, ?, ?)'),
      since: db.prepare<[string, number], { id: number; payload: string }>(
        'SELECT id, payload FROM run_live_events WHERE run_id = ? AND id > ? ORDER BY id',
      ),
      last: db.prepare<[string], { id: number | null }>('SELECT max(id) AS id FROM run_live_events WHERE run_id = ?'),
    };
  }

  /** Persist an event; its seq is the row id (increasing across runs, so per run too). */
  append(ev: RunEvent): number {
    const { seq: _s, ...payload } = ev;
    return Number(this.s.insert.run(ev.run_id, JSON.stringify(payload), new Date().toISOString()).lastInsertRowid);
  }

  /** The run's events after `seq`, in order, each with its seq. */
  since(runId: string, seq: number): RunEvent[] {
    return this.s.since.all(runId, seq).map((r) => ({ ...(JSON.parse(r.payload) as RunEvent), seq: r.id }));
  }

  last(runId: string): number {
    return this.s.last.get(runId)?.id ?? 0;
  }
}

const logs = new WeakMap<Db, LiveLog>();
export function liveLog(db: Db): LiveLog {
  let l = logs.get(db);
  if (!l) logs.set(db, (l = new LiveLog(db)));
  return l;
}
