// Runs in a worker thread: WAL checkpoints for the server's database, on a connection of its own, so the copy
// of WAL frames into the database file and its fsync never run on the server's event loop.
// PASSIVE never waits for (or blocks) the writer or readers: what a busy moment cannot copy, the next pass does.
//
// WAL restarts happen here too. SQLite starts the WAL over from its first frame in the first write after a
// checkpoint copied ALL of it, and that write fsyncs the new WAL header. Left to the server's connection, that
// fsync (tens, at times hundreds of ms) lands on the event loop. So when a pass has copied everything, this
// thread makes that first write itself — a write that changes nothing (the header's user_version, rewritten as
// it is) — without that fsync (restart() says why it may skip it). Its one frame then stays uncopied (passes skip while nobody else wrote), so
// the server's next write appends to the WAL instead of starting it over.
// (Under steady writes the WAL is never all copied and so never restarts: it grew to 2.5 GB during one compaction
// of 500k events, every commit appending pages the kernel had to allocate. A long writer pauses now and then
// for a pass — checkpointer.ts settle() — so that the pass completes and the WAL starts over.)
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, nativeBinding, intervalMs, idleMs } = workerData as { file: string; nativeBinding?: string; intervalMs: number; idleMs: number };
const db = new Database(file, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
db.pragma('busy_timeout = 1000');
// NORMAL, as the server's: a checkpoint syncs the WAL before it copies and the database file after. (The restart
// below turns it off for its one write.)
db.pragma('synchronous = NORMAL');
// If this connection is ever the last one open it must not checkpoint on close either.
db.pragma('wal_autocheckpoint = 0');
// Changes whenever another connection committed since this one last asked.
const dataVersion = db.prepare('PRAGMA data_version').pluck();
const userVersion = db.prepare('PRAGMA user_version').pluck();

/**
 * Start the WAL over (the pass found it all copied). Gives up when another connection holds the write lock or
 * committed since the checkpoint (the WAL is no longer all copied): that writer's frames are in the WAL now.
 */
function restart(before: number): boolean {
  // Without the header fsync: it ran while this connection held the write lock (448 ms measured), and every write
  // of the server waited for it. It guards no data: the pass that found the WAL all copied has synced the database
  // file, so a power loss can only lose commits made after the restart, which synchronous = NORMAL allows anyway
  // (recovery stops at the first frame whose salt or checksum does not match the header on disk).
  db.pragma('synchronous = OFF');
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch {
    db.pragma('synchronous = NORMAL');
    return false; // a writer is at work
  } finally {
    db.pragma('busy_timeout = 1000');
  }
  try {
    if (dataVersion.get() !== before) {
      db.exec('COMMIT');
      return false;
    }
    db.pragma(`user_version = ${Number(userVersion.get())}`);
    db.exec('COMMIT');
    return true;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  } finally {
    if (!db.inTransaction) db.pragma('synchronous = NORMAL'); // the checkpoints themselves keep their fsyncs
  }
}

let passes = 0;
let restarts = 0;
/** data_version right after this thread's last restart: while it holds, the WAL is that one frame. */
let quietAt: number | null = null;
/** data_version at the last pass: another connection wrote since when it differs. */
let lastSeen: number | null = null;
/** One pass; id: the server's passNow() request it answers (none for the timer's passes). Returns whether another
 * connection had written since the previous pass. */
const pass = (id?: number): boolean => {
  try {
    const before = dataVersion.get() as number;
    const wrote = before !== lastSeen;
    lastSeen = before;
    passes++;
    if (before === quietAt) {
      // Nobody wrote since the restart: copying its lone frame would make the next write start the WAL over.
      parentPort!.postMessage({ type: 'pass', id, passes, restarts, restarted: false, log: 1, checkpointed: 0 });
      return wrote;
    }
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    const log = r?.log ?? 0;
    const checkpointed = r?.checkpointed ?? 0;
    const restarted = log >= 0 && checkpointed === log && restart(before);
    if (restarted) {
      restarts++;
      quietAt = dataVersion.get() as number;
    }
    // log: frames in the WAL; checkpointed: how many of them are now in the database file (before any restart).
    parentPort!.postMessage({ type: 'pass', id, passes, restarts, restarted, log, checkpointed });
    return wrote;
  } catch (err) {
    parentPort!.postMessage({ type: 'error', id, message: (err as Error).message });
    return true;
  }
};
// Every intervalMs while the server writes, every idleMs once a pass found nothing new (an idle studio wakes
// this thread twice a second, not twenty times). Small, frequent passes are what keep writers quick: each pass
// fsyncs what the writers added since the last one, and while that writeback runs a writer appending to the
// same WAL can wait on it (ext4's block mapping lock, pages under writeback). With passes every 250 ms, the
// compaction's transactions reached 40–70 ms and a request behind one 50–60 ms; every 50 ms, 20–40 ms and
// under 40 ms (bench/missions-analytics.ts, BENCH_ONLY=compact; session 10's numbers in docs/architecture.md).
let timer: NodeJS.Timeout;
const tick = () => {
  const wrote = pass();
  timer = setTimeout(tick, wrote ? intervalMs : Math.max(intervalMs, idleMs));
};
timer = setTimeout(tick, intervalMs);
parentPort!.on('message', (m: { type: string; id?: number }) => {
  if (m.type === 'now') pass(m.id);
  if (m.type === 'stop') {
    clearTimeout(timer);
    db.close();
    parentPort!.close(); // lets the thread end
  }
});
