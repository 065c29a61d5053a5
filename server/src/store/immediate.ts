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
import type Database from 'better-sqlite3';

type Db = Database.Database;
const gates = new WeakMap<Db, Int32Array>();

/** The server connection's write announcements, to hand to a background writer thread (see waitForGate). */
export function writeGate(db: Db): SharedArrayBuffer | undefined {
  return gates.get(db)?.buffer as SharedArrayBuffer | undefined;
}

/** In a background writer thread: wait (blocking this thread only) until the server announces no write. */
export function waitForGate(buffer: SharedArrayBuffer | undefined, maxMs = 5000): void {
  if (!buffer) return;
  const gate = new Int32Array(buffer);
  const until = performance.now() + maxMs;
  for (let v = Atomics.load(gate, 0); v > 0 && performance.now() < until; v = Atomics.load(gate, 0)) Atomics.wait(gate, 0, v, 5);
}

function announce<T>(gate: Int32Array, fn: () => T): T {
  Atomics.add(gate, 0, 1);
  try {
    return fn();
  } finally {
    if (Atomics.sub(gate, 0, 1) === 1) Atomics.notify(gate, 0);
  }
}

/** Transactions begin IMMEDIATE. With announce: the connection's writes are announced in its writeGate. */
export function immediateByDefault(db: Db, opts: { announce?: boolean } = {}): Db {
  const make = db.transaction;
  if (!opts.announce) {
    db.transaction = function (this: Db, fn) {
      return make.call(this, fn).immediate;
    } as Db['transaction'];
    return db;
  }
  const gate = new Int32Array(new SharedArrayBuffer(4));
  gates.set(db, gate);
  db.transaction = function (this: Db, fn) {
    const t = make.call(this, fn);
    const run = t.immediate;
    // Nested calls are savepoints inside a transaction that is already announced.
    const announced = function (this: unknown, ...args: unknown[]) {
      return db.inTransaction ? run.apply(this, args as never) : announce(gate, () => run.apply(this, args as never));
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
      (st as unknown as Record<string, unknown>)[m] = function (this: unknown, ...args: unknown[]) {
        return db.inTransaction ? original.apply(this, args) : announce(gate, () => original.apply(this, args));
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
