import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { latestVersion, migrate, openDatabase, schemaVersion } from '../../server/src/store/db';
import { writeGate, writeTurn } from '../../server/src/store/immediate';
import { migrations } from '../../server/src/store/migrations';
import { openWorkerConnection } from '../../server/src/store/workerConnection';

test('a new database is migrated to the latest version with WAL and foreign keys on; reopening applies nothing', () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentora-db-')), 'a.db');
  const db = openDatabase(file);
  assert.equal(schemaVersion(db), latestVersion());
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  db.close();
  const again = openDatabase(file);
  assert.deepEqual(migrate(again, migrations).applied, []);
  again.close();
});

test('a failing migration rolls back completely and is not recorded', () => {
  const db = openDatabase(':memory:');
  const bad = {
    version: 999,
    name: 'bad',
    up: (d: typeof db) => {
      d.exec('CREATE TABLE half (x)');
      throw new Error('boom');
    },
  };
  assert.throws(() => migrate(db, [...migrations, bad]), /boom/);
  assert.equal(schemaVersion(db), latestVersion());
  assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name='half'").get() as { n: number }).n, 0);
});

test('a read-then-write transaction survives another connection committing in between (it begins IMMEDIATE)', () => {
  // The compaction, checkpoint and import threads write on connections of their own. A DEFERRED transaction whose
  // read came before such a commit failed its write at once with "database is locked" (a stale snapshot).
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentora-db-')), 'a.db');
  const db = openDatabase(file, { migrations: [] });
  db.exec('CREATE TABLE t (x INTEGER)');
  const other = new Database(file);
  other.pragma('busy_timeout = 0');
  const order: string[] = [];
  db.transaction(() => {
    db.prepare('SELECT count(*) FROM t').get();
    // The other connection cannot slip a commit in: this transaction holds the write lock since BEGIN.
    assert.throws(() => other.prepare('INSERT INTO t VALUES (2)').run(), /locked|busy/i);
    order.push('other refused');
    db.prepare('INSERT INTO t VALUES (1)').run();
  })();
  other.prepare('INSERT INTO t VALUES (2)').run(); // and goes on once it ended
  assert.deepEqual(order, ['other refused']);
  assert.deepEqual(db.prepare('SELECT x FROM t ORDER BY x').pluck().all(), [1, 2]);
  // Nested calls are savepoints inside it, and an explicit .deferred stays available for snapshot reads.
  assert.equal(db.transaction(() => db.transaction(() => 7)())(), 7);
  assert.equal(db.transaction(() => db.prepare('SELECT count(*) FROM t').pluck().get()).deferred(), 2);
  other.close();
  db.close();
});

test('the server connection announces every write in its write gate, and a background writer waits for it', async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentora-db-')), 'a.db');
  const db = openDatabase(file, { migrations: [] });
  const gate = new Int32Array(writeGate(db)!);
  // Read the gate from inside SQL, while a statement runs.
  db.function('gate_now', () => Atomics.load(gate, 0));
  db.exec('CREATE TABLE t (x INTEGER, who TEXT)');
  db.prepare("INSERT INTO t VALUES (gate_now(), 'single write')").run();
  db.transaction(() => db.prepare("INSERT INTO t VALUES (gate_now(), 'transaction')").run())();
  assert.deepEqual(db.prepare('SELECT x, who FROM t ORDER BY rowid').raw().all(), [
    [1, 'single write'],
    [1, 'transaction'],
  ]);
  assert.equal(db.prepare('SELECT gate_now()').pluck().get(), 0, 'a read is not announced');
  assert.equal(Atomics.load(gate, 0), 0, 'and every announcement ended');

  // A background thread that waits for the gate does not even try to begin while the server's transaction runs.
  const source = path.join(__dirname, '../../server/src/store/immediate.ts');
  const w = new Worker(
    `require('tsx/cjs'); const { waitForGate } = require(${JSON.stringify(source)});
     const { parentPort, workerData } = require('node:worker_threads');
     parentPort.once('message', () => { const t = performance.now(); waitForGate(workerData); parentPort.postMessage(performance.now() - t); });
     parentPort.postMessage('ready');`,
    { eval: true, workerData: writeGate(db) },
  );
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  await next(); // 'ready'
  const waited = next() as Promise<number>;
  db.transaction(() => {
    w.postMessage('go');
    const until = performance.now() + 200;
    while (performance.now() < until); // the server's transaction holds on for 200 ms
  })();
  assert.ok((await waited) >= 150, 'the thread waited for the transaction to end');
  await w.terminate();
  db.close();
});

test('a write that finds the database busy is tried again for the busy timeout, in wall-clock time', async () => {
  // SQLite's busy handler counts tries, not time (a signal cuts its sleeps short). With it off here, only the
  // connection's own retry can carry a transaction and a single write past another connection's lock.
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentora-db-')), 'a.db');
  const db = openDatabase(file, { migrations: [] });
  db.exec('CREATE TABLE t (x INTEGER)');
  db.pragma('busy_timeout = 0');
  /** Another connection holds the write lock for ms (resolves once it holds it; `done` when it let go). */
  const holdFor = async (ms: number, x: number) => {
    const w = new Worker(
      `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const d = new D(${JSON.stringify(file)});
       d.exec('BEGIN IMMEDIATE'); d.exec('INSERT INTO t VALUES (${x})'); require('node:worker_threads').parentPort.postMessage('held');
       const until = performance.now() + ${ms}; while (performance.now() < until); d.exec('COMMIT'); d.close();`,
      { eval: true },
    );
    const done = new Promise((r) => w.once('exit', r));
    await new Promise((r) => w.once('message', r));
    return { done };
  };
  let other = await holdFor(150, 10);
  const t0 = performance.now();
  db.transaction(() => db.prepare('INSERT INTO t VALUES (1)').run())();
  assert.ok(performance.now() - t0 >= 100, 'the transaction waited for the other writer');
  await other.done;
  other = await holdFor(150, 20);
  const t1 = performance.now();
  db.prepare('INSERT INTO t VALUES (2)').run();
  assert.ok(performance.now() - t1 >= 100, 'the single write waited too');
  await other.done;
  assert.deepEqual(db.prepare('SELECT x FROM t ORDER BY rowid').pluck().all(), [10, 1, 20, 2]);
  db.close();
});

test('a worker thread’s writing connection has the server’s settings, never checkpoints, and begins IMMEDIATE', () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentora-store-')), 'agentora.db');
  const server = openDatabase(file, { migrations: [] });
  server.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const w = openWorkerConnection(file, { busyMs: 1234, cacheKb: 4096 });
  const other = new Database(file);
  try {
    const p = (name: string) => w.pragma(name, { simple: true });
    assert.equal(p('foreign_keys'), 1);
    assert.equal(p('busy_timeout'), 1234);
    assert.equal(p('synchronous'), 1, 'NORMAL');
    assert.equal(p('temp_store'), 2, 'MEMORY');
    assert.equal(p('cache_size'), -4096);
    assert.equal(p('wal_autocheckpoint'), 0, 'the checkpoint thread copies the WAL, not this connection');
    assert.equal(p('journal_mode'), 'wal');
    // IMMEDIATE: the write lock is held from BEGIN, before any write (another writer finds the database busy).
    other.pragma('busy_timeout = 0');
    w.transaction(() => {
      w.prepare('SELECT COUNT(*) FROM t').get();
      assert.throws(() => other.prepare("INSERT INTO t (v) VALUES ('x')").run(), /locked|busy/i);
    })();
    assert.throws(() => openWorkerConnection(path.join(path.dirname(file), 'missing.db'), { busyMs: 10 }), /unable to open|no such file/i);
  } finally {
    other.close();
    w.close();
    server.close();
  }
});

test('a call that may write waits for a background transaction off the event loop, then finds the lock free', async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'agentora-store-')), 'agentora.db');
  const db = openDatabase(file, { migrations: [] });
  db.exec('CREATE TABLE t (x INTEGER)');
  assert.equal(writeTurn(db), null, 'nothing holds: a call goes ahead at once, as always');
  const source = path.join(__dirname, '../../server/src/store/immediate.ts');
  const opener = path.join(__dirname, '../../server/src/store/workerConnection.ts');
  // A background writer: one 300 ms transaction with the gate's flag up, as the compaction thread runs each of its.
  const w = new Worker(
    `require('tsx/cjs'); const { holdWhile } = require(${JSON.stringify(source)});
     const { openWorkerConnection } = require(${JSON.stringify(opener)});
     const { parentPort, workerData } = require('node:worker_threads');
     const d = openWorkerConnection(${JSON.stringify(file)}, { busyMs: 5000 });
     parentPort.once('message', () => {
       holdWhile(workerData, () => d.transaction(() => {
         d.prepare('INSERT INTO t VALUES (1)').run();
         const until = performance.now() + 300; while (performance.now() < until);
       })());
       d.close();
       parentPort.postMessage('done');
     });
     parentPort.postMessage('ready');`,
    { eval: true, workerData: writeGate(db) },
  );
  const next = () => new Promise((resolve, reject) => (w.once('message', resolve), w.once('error', reject)));
  await next(); // 'ready'
  const done = next();
  w.postMessage('go');
  let turn = writeTurn(db);
  for (const until = performance.now() + 2000; !turn && performance.now() < until; turn = writeTurn(db)) await new Promise((r) => setTimeout(r, 2));
  assert.ok(turn, 'the background transaction raised the flag');
  // The event loop keeps turning while the call waits for its turn.
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  const t0 = performance.now();
  await turn.ready;
  const waited = performance.now() - t0;
  clearInterval(ticker);
  const t1 = performance.now();
  db.prepare('INSERT INTO t VALUES (2)').run();
  const wrote = performance.now() - t1;
  turn.release();
  await done;
  assert.ok(waited >= 100, `it waited for the background transaction (${waited.toFixed(0)} ms)`);
  assert.ok(ticks >= 5, `other work ran meanwhile (${ticks} ticks of 10 ms)`);
  assert.ok(wrote < 50, `the write then found the lock free (${wrote.toFixed(1)} ms)`);
  assert.deepEqual(db.prepare('SELECT x FROM t ORDER BY rowid').pluck().all(), [1, 2]);
  await w.terminate();
  db.close();
});
