// Every transaction a connection of ours runs begins IMMEDIATE: it takes the write lock at BEGIN, waiting for it
// under the busy timeout. better-sqlite3's default BEGIN is DEFERRED, which takes the lock at the first write;
// when another connection commits between such a transaction's first read and its first write, SQLite refuses
// the write at once with SQLITE_BUSY (a "busy snapshot": the busy timeout cannot help, the snapshot is stale).
// Other connections write beside the server's: the compaction thread, the checkpoint thread starting the WAL
// over, an import. With IMMEDIATE a transaction waits for them instead of failing half-way.
// A transaction that only reads briefly takes the lock too; that costs nothing on one connection (the event loop
// runs one transaction at a time). Long read-only work must not use a transaction: a snapshot read is what
// `.deferred` is for, and it says so where it is used.
import type Database from 'better-sqlite3';

export function immediateByDefault(db: Database.Database): Database.Database {
  const make = db.transaction;
  db.transaction = function (this: Database.Database, fn) {
    return make.call(this, fn).immediate;
  } as Database.Database['transaction'];
  return db;
}
