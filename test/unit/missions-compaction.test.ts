// Compaction rules on a real SQLite file: TTL and per-run cap both apply (the cap also to recent events),
// important types are never removed, a dry run predicts the real run exactly, transactions stay short, and the
// rollup the analytics read stays equal to a full GROUP BY over the missions after writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../server/src/store/db';
import { compactMissionEvents, KEPT_EVENT_TYPES } from '../../server/src/services/missions/retention/compaction';
import { startCheckpointer } from '../../server/src/store/checkpointer';
import { compactOffLoop } from '../../server/src/services/missions/retention/compactionThread';

const NOW = new Date('2026-06-01T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

function withDb(fn: (db: Db) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-compact-'));
    const db = openDatabase(path.join(dir, 'a.db'));
    try {
      await fn(db);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function mission(db: Db, id: string, extra: Record<string, unknown> = {}) {
  const row = { status: 'prepared', repo: 'a/b', persona_id: 'p', mission_score: 10, confidence_level: 'low', risk_level: 'low', ...extra };
  db.prepare(
    `INSERT INTO missions (id, created_at, updated_at, status, repo, persona_id, mission_title, objective, session_id, packet_json, snapshot_hash, root_mission_id, mission_score, confidence_level, risk_level)
    VALUES (@id, @t, @t, @status, @repo, @persona_id, 't', 'o', 's', '{}', 'h', @id, @mission_score, @confidence_level, @risk_level)`,
  ).run({ id, t: daysAgo(100), ...row });
}
function events(db: Db, id: string, list: [string, number][]) {
  const ins = db.prepare("INSERT INTO mission_events (mission_id, created_at, type, message) VALUES (?, ?, ?, '')");
  for (const [type, age] of list) ins.run(id, daysAgo(age), type);
}
const typesOf = (db: Db, id: string) => db.prepare('SELECT type FROM mission_events WHERE mission_id = ? ORDER BY id').pluck().all(id) as string[];

test(
  'TTL removes old removable events only; kept types survive any age',
  withDb(async (db) => {
    mission(db, 'r1');
    events(db, 'r1', [
      ['prepared', 90],
      ['job_event', 90],
      ['state_changed', 80],
      ['job_event', 40],
      ['score_changed', 31],
      ['job_event', 1],
    ]);
    const report = await compactMissionEvents(db, { ttlDays: 30, maxPerRun: 1000 }, { dryRun: false, now: NOW });
    assert.equal(report.removed_events_ttl, 3);
    assert.deepEqual(report.removed_by_type, { job_event: 2, score_changed: 1 });
    assert.deepEqual(typesOf(db, 'r1'), ['prepared', 'state_changed', 'job_event']);
  }),
);

test(
  'the per-run cap applies to recent events too, oldest removable first, never to kept types',
  withDb(async (db) => {
    mission(db, 'r1');
    mission(db, 'r2');
    // r1: 2 kept + 6 recent removable; cap 4 → the 4 oldest removable go, the 2 newest stay.
    events(db, 'r1', [
      ['prepared', 3],
      ['job_event', 2],
      ['job_event', 2],
      ['launched', 2],
      ['job_event', 1],
      ['outcome_updated', 1],
      ['job_event', 0],
      ['watch_stopped', 0],
    ]);
    // r2: 5 kept events over a cap of 4: nothing removable, nothing removed.
    events(db, 'r2', [
      ['prepared', 1],
      ['launched', 1],
      ['state_changed', 1],
      ['state_changed', 0],
      ['writeback_succeeded', 0],
    ]);
    const dry = await compactMissionEvents(db, { ttlDays: 30, maxPerRun: 4 }, { dryRun: true, now: NOW });
    assert.equal(typesOf(db, 'r1').length, 8, 'dry run removes nothing');
    const real = await compactMissionEvents(db, { ttlDays: 30, maxPerRun: 4 }, { dryRun: false, now: NOW });
    assert.equal(real.removed_events_cap, 4);
    assert.equal(real.runs_over_cap, 1);
    assert.equal(dry.removed_total, real.removed_total);
    assert.deepEqual(dry.removed_by_type, real.removed_by_type);
    assert.deepEqual(typesOf(db, 'r1'), ['prepared', 'launched', 'job_event', 'watch_stopped']);
    assert.equal(typesOf(db, 'r2').length, 5);
  }),
);

test(
  'a dry run agrees with the real run when TTL and cap overlap',
  withDb(async (db) => {
    mission(db, 'r1');
    events(db, 'r1', [
      ['prepared', 60],
      ...Array.from({ length: 10 }, (): [string, number] => ['job_event', 50]),
      ...Array.from({ length: 10 }, (): [string, number] => ['job_event', 1]),
    ]);
    const policy = { ttlDays: 30, maxPerRun: 5 };
    const dry = await compactMissionEvents(db, policy, { dryRun: true, now: NOW });
    const real = await compactMissionEvents(db, policy, { dryRun: false, now: NOW });
    assert.deepEqual({ ttl: dry.removed_events_ttl, cap: dry.removed_events_cap }, { ttl: real.removed_events_ttl, cap: real.removed_events_cap });
    assert.equal(real.removed_events_ttl, 10);
    assert.equal(real.removed_events_cap, 6);
    assert.equal(typesOf(db, 'r1').length, 5);
  }),
);

test(
  'large compactions run in many small transactions',
  withDb(async (db) => {
    const ins = db.prepare("INSERT INTO mission_events (mission_id, created_at, type, message) VALUES (?, ?, 'job_event', '')");
    db.transaction(() => {
      for (let m = 0; m < 200; m++) {
        mission(db, `r${m}`);
        for (let i = 0; i < 300; i++) ins.run(`r${m}`, daysAgo(i % 60));
      }
    })();
    // (Latency is measured by the benchmark on a quiet machine, not asserted here: only the shape of the work.)
    const report = await compactMissionEvents(db, { ttlDays: 30, maxPerRun: 50 }, { dryRun: false, now: NOW });
    assert.equal(report.removed_total, 200 * 300 - 200 * 50);
    assert.ok(report.transactions > 5, `expected many transactions, got ${report.transactions}`);
    assert.equal(db.prepare('SELECT count(*) FROM mission_events').pluck().get(), 200 * 50);
  }),
);

test(
  'each transaction removes one batch of at most N rows, and other work runs between transactions',
  withDb(async (db) => {
    const ins = db.prepare("INSERT INTO mission_events (mission_id, created_at, type, message) VALUES (?, ?, 'job_event', '')");
    db.transaction(() => {
      for (let m = 0; m < 20; m++) {
        mission(db, `r${m}`);
        for (let i = 0; i < 100; i++) ins.run(`r${m}`, daysAgo(40 + (i % 20))); // all past the TTL
      }
    })();
    const total = db.prepare('SELECT count(*) FROM mission_events').pluck();
    // A "request" that reads between event-loop turns while the compactor runs: it must see the table part-way.
    const seen = new Set<number>();
    let running = true;
    const reader = (async () => {
      while (running) {
        seen.add(total.get() as number);
        await new Promise<void>((r) => setImmediate(r));
      }
    })();
    const trace: { phase: string; ms: number; rows: number }[] = [];
    const report = await compactMissionEvents(db, { ttlDays: 30, maxPerRun: 1000 }, { dryRun: false, now: NOW, batch: 150, trace });
    running = false;
    await reader;
    assert.equal(report.removed_events_ttl, 2000);
    const deleting = trace.filter((t) => t.rows > 0);
    assert.ok(deleting.length >= Math.ceil(2000 / 150), `${deleting.length} transactions removed rows`);
    assert.ok(Math.max(...trace.map((t) => t.rows)) <= 150, 'no transaction removes more than one batch');
    assert.equal(report.transactions, trace.length);
    const between = [...seen].filter((n) => n > 0 && n < 2000);
    assert.ok(between.length >= 5, `the reader ran between transactions and saw ${between.length} intermediate counts`);
  }),
);

test(
  'the adaptive batch never grows past 2,000 rows a transaction and at most doubles from one to the next',
  withDb(async (db) => {
    const ins = db.prepare("INSERT INTO mission_events (mission_id, created_at, type, message) VALUES (?, ?, 'score_changed', '')");
    db.transaction(() => {
      mission(db, 'big');
      for (let i = 0; i < 12_000; i++) ins.run('big', daysAgo(45));
    })();
    const trace: { phase: string; ms: number; rows: number }[] = [];
    const report = await compactMissionEvents(db, { ttlDays: 30, maxPerRun: 100_000 }, { dryRun: false, now: NOW, trace });
    assert.equal(report.removed_events_ttl, 12_000);
    const rows = trace.filter((t) => t.phase === 'ttl').map((t) => t.rows);
    assert.ok(rows[0]! <= 50, 'the first batch is small');
    for (let i = 1; i < rows.length; i++)
      assert.ok(rows[i]! <= Math.max(2 * rows[i - 1]!, 20) && rows[i]! <= 2000, `batch ${i}: ${rows[i - 1]} → ${rows[i]}`);
  }),
);

test(
  'the analytics cube equals GROUP BYs over missions after inserts, updates and deletes',
  withDb((db) => {
    for (let i = 0; i < 50; i++)
      mission(db, `m${i}`, {
        repo: `o/r${i % 3}`,
        persona_id: `p${i % 4}`,
        status: i % 2 ? 'running' : 'prepared',
        mission_score: i,
        risk_level: ['low', 'medium', 'high'][i % 3],
      });
    db.prepare(
      "UPDATE missions SET status = 'succeeded', pr_url = 'https://x/pull/1', writeback_status = 'failed', mission_score = mission_score + 5 WHERE rowid % 3 = 0",
    ).run();
    db.prepare('UPDATE missions SET refresh_count = refresh_count + 2 WHERE rowid % 4 = 0').run();
    db.prepare('UPDATE missions SET status = status, repo = repo WHERE 1').run(); // rewrites without change move nothing
    db.prepare('DELETE FROM missions WHERE rowid % 5 = 0').run();
    const M = `count(*) AS n, total(mission_score) AS score_sum, total(refresh_count) AS refresh_sum, total(pr_url IS NOT NULL) AS pr_n, total(writeback_status = 'succeeded') AS wb_ok,
    total(writeback_status IN ('succeeded','failed')) AS wb_tried, total(status = 'succeeded') AS t_ok, total(status IN ('succeeded','failed','cancelled')) AS t_done,
    total(risk_level = 'low') AS r_low, total(risk_level = 'medium') AS r_medium, total(risk_level = 'high') AS r_high`;
    const C =
      'n, score_sum, refresh_sum * 1.0 AS refresh_sum, pr_n * 1.0 AS pr_n, wb_ok * 1.0 AS wb_ok, wb_tried * 1.0 AS wb_tried, t_ok * 1.0 AS t_ok, t_done * 1.0 AS t_done, r_low * 1.0 AS r_low, r_medium * 1.0 AS r_medium, r_high * 1.0 AS r_high';
    const dims = ['repo', 'persona_id', 'status', 'writeback_status', 'confidence_level'];
    assert.deepEqual(db.prepare(`SELECT ${C} FROM mission_cube WHERE fdim = '' AND gdim = ''`).all(), db.prepare(`SELECT ${M} FROM missions`).all());
    for (const g of dims) {
      assert.deepEqual(
        db.prepare(`SELECT gval AS g, ${C} FROM mission_cube WHERE fdim = '' AND gdim = ? ORDER BY gval`).all(g),
        db.prepare(`SELECT ${g} AS g, ${M} FROM missions GROUP BY ${g} ORDER BY ${g}`).all(),
        g,
      );
      for (const f of dims.filter((x) => x !== g)) {
        assert.deepEqual(
          db.prepare(`SELECT fval AS f, gval AS g, ${C} FROM mission_cube WHERE fdim = ? AND gdim = ? ORDER BY fval, gval`).all(f, g),
          db.prepare(`SELECT ${f} AS f, ${g} AS g, ${M} FROM missions GROUP BY ${f}, ${g} ORDER BY ${f}, ${g}`).all(),
          `${f} × ${g}`,
        );
      }
    }
    assert.ok(KEPT_EVENT_TYPES.includes('state_changed'));
  }),
);

/** 2,000 job events of 20 missions, all past a 30-day TTL. */
function chatter(db: Db) {
  const ins = db.prepare("INSERT INTO mission_events (mission_id, created_at, type, message) VALUES (?, ?, 'job_event', ?)");
  db.transaction(() => {
    for (let m = 0; m < 20; m++) {
      mission(db, `r${m}`);
      for (let i = 0; i < 100; i++) ins.run(`r${m}`, daysAgo(40 + (i % 20)), 'x'.repeat(200));
    }
  })();
}

test('with the checkpoint thread, the compactor pauses for it between batches: the WAL starts over instead of growing', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-compact-'));
  const settled = openDatabase(path.join(dir, 'settled.db'));
  const grown = openDatabase(path.join(dir, 'grown.db'));
  // Passes only when the compactor asks (settleFrames 0: after every transaction), none on a timer.
  const cp = startCheckpointer(settled, () => {}, 3_600_000)!;
  try {
    chatter(settled);
    chatter(grown);
    await cp.passNow();
    settled.pragma('wal_checkpoint(TRUNCATE)'); // both WALs hold the compaction's frames only
    grown.pragma('wal_checkpoint(TRUNCATE)');
    const pages = grown
      .prepare("SELECT count(*) FROM dbstat WHERE name IN ('mission_events', 'mission_events_mission', 'mission_events_type')")
      .pluck()
      .get() as number;
    grown.pragma('wal_autocheckpoint = 0'); // the same work with nothing copying the WAL: it keeps every frame
    const trace: { phase: string; ms: number; rows: number }[] = [];
    const policy = { ttlDays: 30, maxPerRun: 1000 };
    const a = await compactMissionEvents(settled, policy, { dryRun: false, now: NOW, batch: 100, settleFrames: 0, trace });
    const b = await compactMissionEvents(grown, policy, { dryRun: false, now: NOW, batch: 100 });
    assert.equal(a.removed_events_ttl, 2000);
    assert.deepEqual(
      { ...a, started_at: '', finished_at: '', duration_ms: 0, longest_transaction_ms: 0 },
      { ...b, started_at: '', finished_at: '', duration_ms: 0, longest_transaction_ms: 0 },
    );
    const restarts = trace.filter((t) => t.phase === 'wal-restart').length;
    assert.ok(restarts >= 10, `the WAL started over after the batches (${restarts} times)`);
    assert.ok(cp.stats().restarts >= restarts);
    const walOf = (db: Db) => statSync(`${db.name}-wal`).size;
    assert.ok(walOf(settled) * 3 < walOf(grown), `WAL ${walOf(settled)} bytes with the pauses, ${walOf(grown)} without`);
    // Victims go in id order, so each page is rewritten by few transactions: the frames written (the grown WAL
    // keeps every one) stay a small multiple of the pages the events and their indexes fill. In created_at order
    // (these events' created_at cycle within each mission) every batch touched most table pages: ~13×.
    const frames = walOf(grown) / (4096 + 24);
    assert.ok(frames < 6 * pages, `${Math.round(frames)} frames written for ${pages} pages of events and indexes`);
  } finally {
    await cp.stop();
    settled.close();
    grown.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'while another connection holds the write lock, the compactor waits on the event loop, not in SQLite',
  { timeout: 60_000 },
  withDb(async (db) => {
    chatter(db);
    // A busy timeout longer than this test may run: a compactor that waited in SQLite's busy handler (holding
    // the event loop, so the timer below could not release the lock) would make the test time out.
    db.pragma('busy_timeout = 600000');
    const other = new Database(db.name);
    other.exec('BEGIN IMMEDIATE');
    let released = false;
    setTimeout(() => {
      other.exec('COMMIT');
      released = true;
    }, 30);
    try {
      const trace: { phase: string; ms: number; rows: number }[] = [];
      const report = await compactMissionEvents(db, { ttlDays: 30, maxPerRun: 1000 }, { dryRun: false, now: NOW, batch: 500, trace });
      assert.ok(released);
      assert.equal(report.removed_events_ttl, 2000);
      assert.ok(
        trace.some((t) => t.phase === 'busy'),
        'it found the lock taken and came back',
      );
      assert.equal(db.prepare('SELECT count(*) FROM mission_events').pluck().get(), 0);
    } finally {
      other.close();
    }
  }),
);

test(
  'a real compaction runs in a thread on its own connection and removes what the same compaction on the event loop would',
  withDb(async (db) => {
    for (const id of ['r1', 'r2']) {
      mission(db, id);
      events(db, id, [
        ['prepared', 90],
        ['job_event', 90],
        ['job_event', 40],
        ['score_changed', 31],
        ['job_event', 1],
        ['job_event', 1],
      ]);
    }
    const policy = { ttlDays: 30, maxPerRun: 3 };
    const predicted = await compactMissionEvents(db, policy, { dryRun: true, now: NOW });
    // data_version moves only when ANOTHER connection commits: the thread's deletes move it, the server's would not.
    const version = () => db.pragma('data_version', { simple: true }) as number;
    const before = version();
    const progress: number[] = [];
    const report = await compactOffLoop({ db } as never, policy, { now: NOW, onProgress: (r) => progress.push(r.transactions) });
    assert.ok(version() > before, 'the deletes were committed by another connection (the compaction thread)');
    assert.equal(report.removed_total, predicted.removed_total);
    assert.deepEqual(report.removed_by_type, predicted.removed_by_type);
    assert.ok(progress.length >= 1, 'progress reached the server');
    assert.deepEqual(typesOf(db, 'r1'), ['prepared', 'job_event', 'job_event'], 'past the TTL removed; the cap of 3 then holds');
  }),
);
