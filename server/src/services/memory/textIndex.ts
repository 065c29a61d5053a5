// Upkeep of the full-text index (memories_fts). FTS5 writes each batch of inserts as a new segment and merges
// segments level by level (automerge), so a store that grew one memory at a time ends up with a handful of
// segments — 9 for the 200k-memory bench store. Every term lookup probes every segment: with 9 segments a query
// for a term no memory contains cost 0.17 ms, with one 0.03 ms, and the text pass of a search about a third of its
// ranking time (bench, 2026-11). So when the index has more than MAX_SEGMENTS segments, it is merged into one,
// incrementally: FTS5's 'merge' command with a negative page count merges across all levels, a few pages per
// step, each step its own short transaction, with the event loop free between steps (a step that merges one very
// common term's doclist can still take tens of ms: a doclist is merged whole).
// It runs every UPKEEP_MS when the server is up (most checks find nothing to do: one count over the segment
// index, ~0.05 ms) and as a phase of the maintenance job.
import type { Db } from '../../store/db';
import type { ServerContext } from '../../context';

/** More segments than this and the upkeep merges the index into one. */
export const MAX_SEGMENTS = 2;
/** Leaf pages one merge step may write (about a millisecond of work; see the header on its tail). */
const STEP_PAGES = 8;
const UPKEEP_MS = 5 * 60_000;

function statements(db: Db) {
  return {
    segments: db.prepare('SELECT COUNT(DISTINCT segid) FROM memories_fts_idx').pluck(),
    merge: db.prepare(`INSERT INTO memories_fts (memories_fts, rank) VALUES ('merge', ?)`),
    changes: db.prepare('SELECT total_changes()').pluck(),
  };
}
const cache = new WeakMap<Db, ReturnType<typeof statements>>();
const stmts = (db: Db) => {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = statements(db)));
  return s;
};

/** How many segments the full-text index has now. */
export function textIndexSegments(db: Db): number {
  return stmts(db).segments.get() as number;
}

/** One merge step: true while there is more to merge. FTS5 changes fewer than two rows when it found no work. */
export function mergeStep(db: Db, pages = STEP_PAGES): boolean {
  const s = stmts(db);
  const before = s.changes.get() as number;
  s.merge.run(-pages);
  return (s.changes.get() as number) - before >= 2;
}

export interface MergeReport {
  segments_before: number;
  segments_after: number;
  steps: number;
  ms: number;
}

/**
 * Merge the index into one segment when it has more than `threshold`, step by step; `between` runs between steps
 * (the server yields the event loop there; a stopped job throws from it).
 */
export async function mergeTextIndex(db: Db, between: () => Promise<void> | void, threshold = MAX_SEGMENTS): Promise<MergeReport> {
  const t0 = performance.now();
  const before = textIndexSegments(db);
  let steps = 0;
  if (before > threshold) {
    while (mergeStep(db)) {
      steps++;
      await between();
    }
  }
  return { segments_before: before, segments_after: steps ? textIndexSegments(db) : before, steps, ms: Math.round(performance.now() - t0) };
}

const timers = new WeakMap<ServerContext, { timer: NodeJS.Timeout; busy: boolean }>();
const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

/** Check the index every UPKEEP_MS and merge it when it has too many segments. */
export function startTextIndexUpkeep(ctx: ServerContext, everyMs = UPKEEP_MS): void {
  if (timers.has(ctx)) return;
  const state = { timer: undefined as unknown as NodeJS.Timeout, busy: false };
  const run = async () => {
    if (state.busy || ctx.db.readonly || !ctx.db.open) return;
    state.busy = true;
    try {
      const r = await mergeTextIndex(ctx.db, async () => {
        await yieldLoop();
        if (!timers.has(ctx) || !ctx.db.open) throw new Error('stopped');
      });
      if (r.steps) ctx.log.info(`memory text index merged: ${r.segments_before} → ${r.segments_after} segments in ${r.steps} steps, ${r.ms} ms`);
    } catch (err) {
      if ((err as Error).message !== 'stopped') ctx.log.warn('memory text index upkeep failed', err);
    } finally {
      state.busy = false;
    }
  };
  state.timer = setInterval(() => void run(), everyMs);
  state.timer.unref();
  timers.set(ctx, state);
}

export function stopTextIndexUpkeep(ctx: ServerContext): void {
  const s = timers.get(ctx);
  if (s) clearInterval(s.timer);
  timers.delete(ctx);
}
