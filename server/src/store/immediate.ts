// Every transaction a connection of ours runs begins IMMEDIATE: it takes the write lock at BEGIN, waiting for it
// under the busy timeout. better-sqlite3's default BEGIN is DEFERRED, which takes the lock at the first write;
// when another connection commits between such a transaction's first read and its first write, SQLite refuses
// the write at once with SQLITE_BUSY (a "busy snapshot": the busy timeout cannot help, the snapshot is stale).
// Other connections write beside the server's: the compaction thread, the checkpoint thread starting the WAL
// over, an import. With IMMEDIATE a transaction waits for them instead of failing half-way.
// A transaction that only reads briefly takes the lock too; that costs nothing on one connection (the event loop
// runs one transaction at a time). A read that wants a snapshot without the lock says `.deferred()`.
//
// Waiting is not enough on its own: SQLite's busy handler sleeps 1, 2, 5, 10, 15… ms between tries, and a
// background writer that starts its next short transaction as soon as the last one commits wins nearly every
// race (a test loop starved the event loop's writes for 1.1 s). So the server's connection announces each write
// in a shared counter (writeGate) — transactions and single write statements alike — and a background writer
// (compactionWorker.ts) does not begin a transaction while the counter is up. The event loop then waits for at
// most the background transaction in progress.
// And it need not wait with the event loop stopped: a background writer raises a flag while its transaction runs
// (holdWhile), and a call that may write (services/registry.ts) awaits the flag's fall off the event loop before
// it starts (writeTurn) — other requests, reads above all, are answered meanwhile.
import type Database from 'better-sqlite3';

type Db = Database.Database;
const gates = new WeakMap<Db, Int32Array>();

/** The server connection's write announcements, to hand to a background writer thread (see waitForGate). */
export function writeGate(db: Db): SharedArrayBuffer | undefined {
  return gates.get(db)?.buffer as SharedArrayBuffer | undefined;
}

// The gate's slots: the server's announcements (a count), and whether a background writer is in a transaction.
const ANNOUNCED = 0;
const HOLDING = 1;

/** In a background writer thread: run one transaction (fn) with the gate's flag up, so the server's calls that
 * may write wait for it off the event loop (writeTurn). */
export function holdWhile<T>(buffer: SharedArrayBuffer | undefined, fn: () => T): T {
  if (!buffer) return fn();
  const gate = new Int32Array(buffer);
  Atomics.store(gate, HOLDING, 1);
  try {
    return fn();
  } finally {
    Atomics.store(gate, HOLDING, 0);
    Atomics.notify(gate, HOLDING);
  }
}

type WaitAsync = (a: Int32Array, i: number, v: number, ms: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/**
 * On the server, before a call that may write: null when no background writer is in a transaction (go ahead, as
 * always). Otherwise the call's turn: the announcement count is raised at once (the background writer begins no
 * further transaction), `ready` resolves when its transaction in progress has ended (or after maxMs, when the
 * write waits in SQLite's busy handler as before), and `release()` — once the call's synchronous part has run —
 * lowers the count again.
 */
export function writeTurn(db: Db, maxMs = 5000): { ready: Promise<unknown>; release: () => void } | null {
  const gate = gates.get(db);
  if (!gate || Atomics.load(gate, HOLDING) === 0) return null;
  Atomics.add(gate, ANNOUNCED, 1);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (Atomics.sub(gate, ANNOUNCED, 1) === 1) Atomics.notify(gate, ANNOUNCED);
  };
  const w = waitAsync(gate, HOLDING, 1, maxMs);
  return { ready: w.async ? (w.value as Promise<string>) : Promise.resolve(w.value), release };
}

/** In a background writer thread: wait (blocking this thread only) until the server announces no write. */
export function waitForGate(buffer: SharedArrayBuffer | undefined, maxMs = 5000): void {
  if (!buffer) return;
  const gate = new Int32Array(buffer);
  const until = performance.now() + maxMs;
  for (let v = Atomics.load(gate, ANNOUNCED); v > 0 && performance.now() < until; v = Atomics.load(gate, ANNOUNCED))
    Atomics.wait(gate, ANNOUNCED, v, 5);
}

function announce<T>(gate: Int32Array, fn: () => T): T {
  Atomics.add(gate, ANNOUNCED, 1);
  try {
    return fn();
  } finally {
    if (Atomics.sub(gate, ANNOUNCED, 1) === 1) Atomics.notify(gate, ANNOUNCED);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/**
 * Run attempt; while it fails with SQLITE_BUSY before it changed anything (retryable), try again after a short
 * pause, up to busyMs in all. SQLite's own busy handler counts its tries rather than the time it slept, and a
 * signal cuts its sleeps short (under the CPU profiler writes failed with "database is locked" after ~70 ms of a
 * 5 s timeout); this bound is wall-clock time.
 */
function retryBusy<T>(busyMs: number, attempt: () => T, retryable: () => boolean): T {
  const until = performance.now() + busyMs;
  for (let ms = 1; ; ms = Math.min(ms * 2, 16)) {
    try {
      return attempt();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || !retryable() || performance.now() >= until) throw err;
    }
    Atomics.wait(pause, 0, 0, ms);
  }
}

/**
 * Transactions begin IMMEDIATE. With announce (the server's connection): its writes are announced in its
 * writeGate, and a transaction whose BEGIN, or a single write statement that, found the database busy is tried
 * again for up to busyMs.
 */
export function immediateByDefault(db: Db, opts: { announce?: boolean; busyMs?: number } = {}): Db {
  const busyMs = opts.busyMs ?? 5000;
  const make = db.transaction;
  if (!opts.announce) {
    db.transaction = function (this: Db, fn) {
      return make.call(this, fn).immediate;
    } as Db['transaction'];
    return db;
  }
  const gate = new Int32Array(new SharedArrayBuffer(8));
  gates.set(db, gate);
  db.transaction = function (this: Db, fn) {
    // Whether the last call got past BEGIN: only a BEGIN that failed is tried again (fn may have done other things).
    let began = false;
    const t = make.call(this, function (this: unknown, ...args: unknown[]) {
      began = true;
      return (fn as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof fn);
    const run = t.immediate;
    // Nested calls are savepoints inside a transaction that is already announced.
    const announced = function (this: unknown, ...args: unknown[]) {
      if (db.inTransaction) return run.apply(this, args as never);
      return announce(gate, () =>
        retryBusy(
          busyMs,
          () => {
            began = false;
            return run.apply(this, args as never);
          },
          () => !began,
        ),
      );
    };
    return Object.assign(announced, {
      default: announced,
      immediate: announced,
      deferred: t.deferred,
      exclusive: t.exclusive,
      database: db,
    }) as never;
  } as Db['transaction'];
  // Single write statements (outside a transaction) are announced too; reads are not (WAL readers never wait).
  // (Assigned through a loose view of the connection: naming `Db['prepare']`'s generic type here changes how
  // TypeScript instantiates it elsewhere.)
  const loose = db as unknown as { prepare: (source: string) => Database.Statement; exec: (source: string) => Db };
  const prepare = loose.prepare;
  loose.prepare = function (this: Db, source: string) {
    const st = prepare.call(this, source);
    if (st.readonly) return st;
    for (const m of ['run', 'get', 'all'] as const) {
      const original = st[m] as (...a: unknown[]) => unknown;
      // A single statement that failed with SQLITE_BUSY changed nothing (it is its own transaction).
      (st as unknown as Record<string, unknown>)[m] = function (this: unknown, ...args: unknown[]) {
        if (db.inTransaction) return original.apply(this, args);
        return announce(gate, () =>
          retryBusy(
            busyMs,
            () => original.apply(this, args),
            () => true,
          ),
        );
      };
    }
    return st;
  };
  const exec = loose.exec;
  loose.exec = function (this: Db, source: string) {
    return db.inTransaction ? exec.call(this, source) : announce(gate, () => exec.call(this, source));
  };
  return db;
}
