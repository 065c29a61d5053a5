// A bulk import adds its missions to the analytics cubes set-based (the per-row insert triggers are suspended
// inside the import's transaction): the cubes must end exactly as if every mission had gone through the triggers,
// the triggers must be back afterwards, and a failed import must leave both the data and the triggers as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Db } from '../../server/src/store/db';
import { importBundle } from '../../server/src/services/missions/exchange/importBundle';

const pick = <T>(xs: readonly T[], i: number) => xs[i % xs.length]!;
function run(i: number, prefix: string) {
  const id = `run_${prefix}${String(i).padStart(6, '0')}`;
  return {
    id,
    created_at: new Date(Date.UTC(2026, 10, 1 + (i % 9), i % 24)).toISOString(),
    status: pick(['succeeded', 'failed', 'cancelled', 'prepared', 'running', 'dry_run'], i),
    repo: pick(['acme/a', 'acme/b', 'org/c'], i * 7),
    persona_id: pick(['default', 'skeptic_reviewer', 'architect_refactorer'], i * 3),
    mission_title: `Mission ${i}`,
    objective: `Objective ${i}`,
    session_id: `ses_${i}`,
    packet_json: '{}',
    snapshot_hash: `${id}`.padEnd(64, '0'),
    root_mission_id: id,
    risk_level: pick(['low', 'medium', 'high'], i * 5),
    confidence_level: pick(['low', 'medium', 'high'], i * 11),
    writeback_status: pick(['none', 'succeeded', 'failed', 'pending'], i * 13),
    mission_score: (i * 37) % 100,
    refresh_count: i % 4,
    pr_url: i % 3 === 0 ? `https://example.invalid/pr/${i}` : null,
    strategy: pick([null, 'conservative', 'exploratory'], i),
    decision_state: pick(['none', 'shortlisted', 'eliminated'], i * 17),
    operator_override_status: pick(['none', 'accepted', 'rejected'], i * 19),
  };
}
const bundle = (runs: unknown[]) => ({ schema_version: 'mission-export-v1', runs, timeline_events: [] });
const opts = { requireSignature: false, key: () => '' };

const cube = (db: Db) => db.prepare('SELECT * FROM mission_cube ORDER BY fdim, fval, gdim, gval').all();
const personaCube = (db: Db) => db.prepare('SELECT * FROM mission_persona_cube ORDER BY persona_id, strategy, day').all();
const triggers = (db: Db) => db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all();

test('imported missions land in the cubes exactly as the row triggers would put them; the triggers come back', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-import-cubes-'));
  const bulk = openDatabase(path.join(dir, 'bulk.db'));
  const rows = openDatabase(path.join(dir, 'rows.db'));
  try {
    const before = triggers(bulk);
    // Two imports into the same database: the second one adds to cells the first one made.
    const first = Array.from({ length: 120 }, (_, i) => run(i, 'a'));
    const second = Array.from({ length: 80 }, (_, i) => run(i + 500, 'b'));
    assert.equal(importBundle(bulk, bundle(first), opts).imported_runs, 120);
    assert.equal(importBundle(bulk, bundle(second), opts).imported_runs, 80);
    assert.deepEqual(triggers(bulk), before, 'every trigger is back, unchanged');
    // The reference: the same missions one by one, through the triggers.
    for (const r of [...first, ...second]) importBundle(rows, bundle([r]), opts);
    assert.ok(cube(rows).length > 100, 'the reference cube has cells');
    assert.deepEqual(cube(bulk), cube(rows));
    assert.deepEqual(personaCube(bulk), personaCube(rows));
    // And the restored triggers work: a later single insert moves the bulk database's cubes like the reference's.
    importBundle(bulk, bundle([run(900, 'c')]), opts);
    importBundle(rows, bundle([run(900, 'c')]), opts);
    assert.deepEqual(cube(bulk), cube(rows));
    assert.deepEqual(personaCube(bulk), personaCube(rows));
  } finally {
    bulk.close();
    rows.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bundle that fails half way changes nothing: no missions, no cube cells, triggers intact', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-import-cubes-'));
  const db = openDatabase(path.join(dir, 'a.db'));
  try {
    const before = { cube: cube(db), triggers: triggers(db) };
    const runs = [run(1, 'x'), { ...run(2, 'x'), risk_level: null }]; // NOT NULL: fails on the second insert
    assert.throws(() => importBundle(db, bundle(runs), opts));
    assert.equal(db.prepare('SELECT count(*) FROM missions').pluck().get(), 0);
    assert.deepEqual(cube(db), before.cube);
    assert.deepEqual(triggers(db), before.triggers);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a re-import that adds nothing leaves the schema alone (the cube triggers are not suspended)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-import-cubes-'));
  const db = openDatabase(path.join(dir, 'a.db'));
  try {
    const runs = Array.from({ length: 5 }, (_, i) => run(i, 'r'));
    assert.equal(importBundle(db, bundle(runs), opts).imported_runs, 5);
    // Dropping and re-creating a trigger bumps SQLite's schema cookie (and makes every connection re-prepare).
    const cookie = db.pragma('schema_version', { simple: true });
    const again = importBundle(db, bundle(runs), opts);
    assert.equal(again.imported_runs, 0);
    assert.equal(again.skipped_runs, 5);
    assert.equal(db.pragma('schema_version', { simple: true }), cookie, 'no DROP / CREATE TRIGGER for an import of nothing');
    // An empty bundle too.
    importBundle(db, bundle([]), opts);
    assert.equal(db.pragma('schema_version', { simple: true }), cookie);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('history rows go in chunks: a row that leaves a column out gets its default; a non-scalar value is a 400 naming it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-import-cubes-'));
  const db = openDatabase(path.join(dir, 'a.db'));
  try {
    const runs = [run(1, 'h'), run(2, 'h')];
    const ev = (i: number, extra: Record<string, unknown> = {}) => ({
      mission_id: runs[i % 2]!.id,
      created_at: new Date(Date.UTC(2026, 10, 3, 0, i)).toISOString(),
      type: 'job_event',
      message: `event ${i}`,
      ...extra,
    });
    // 1,200 events (more than one chunk), some with data_json / actor and some without (column defaults apply).
    const events = Array.from({ length: 1200 }, (_, i) => (i % 7 === 0 ? ev(i) : ev(i, { data_json: `{"i":${i}}`, actor: 'bench' })));
    const r = importBundle(db, { ...bundle(runs), timeline_events: events }, opts);
    assert.equal(r.imported_timeline_events, 1200);
    const rows = db.prepare('SELECT message, data_json, actor FROM mission_events ORDER BY id').all() as {
      message: string;
      data_json: string;
      actor: string;
    }[];
    assert.equal(rows.length, 1200);
    assert.deepEqual(
      rows.map((x) => x.message),
      events.map((e) => e.message),
      'in bundle order',
    );
    const dflt = db.prepare('SELECT data_json, actor FROM mission_events WHERE message = ?').get('event 0') as { data_json: string; actor: string };
    const plain = openDatabase(':memory:');
    plain
      .prepare(
        `INSERT INTO missions (id, created_at, updated_at, status, repo, persona_id, mission_title, objective, session_id, packet_json, snapshot_hash, root_mission_id)
      VALUES ('x', 't', 't', 'prepared', 'a/b', 'p', 't', 'o', 's', '{}', 'h', 'x')`,
      )
      .run();
    plain.prepare("INSERT INTO mission_events (mission_id, created_at, type, message) VALUES ('x', 't', 'job_event', 'm')").run();
    assert.deepEqual(dflt, plain.prepare('SELECT data_json, actor FROM mission_events').get(), 'a left-out column takes its default');
    plain.close();
    assert.equal(rows[1]!.data_json, '{"i":1}');

    // A value SQLite cannot store as given: 400 naming the row and field; nothing changes.
    const before = db.prepare('SELECT count(*) FROM mission_events').pluck().get();
    const bad = [run(3, 'h'), run(4, 'h')];
    assert.throws(
      () => importBundle(db, { ...bundle(bad), timeline_events: [ev(0), { ...ev(1), mission_id: bad[0]!.id, data_json: { nested: true } }] }, opts),
      (err: { kind?: string; issues?: { path: string }[] }) => err.kind === 'bad_request' && err.issues?.[0]?.path === 'timeline_events[1].data_json',
    );
    assert.throws(
      () => importBundle(db, bundle([{ ...run(5, 'h'), summary: ['x'] }]), opts),
      (err: { kind?: string; issues?: { path: string }[] }) => err.kind === 'bad_request' && err.issues?.[0]?.path === 'runs[0].summary',
    );
    assert.equal(db.prepare('SELECT count(*) FROM mission_events').pluck().get(), before);
    assert.equal(db.prepare("SELECT count(*) FROM missions WHERE id IN ('run_h000003', 'run_h000005')").pluck().get(), 0);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bulk import into an empty database builds the missions indexes once at the end: same indexes, same answers', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-import-cubes-'));
  const db = openDatabase(path.join(dir, 'a.db'));
  try {
    const indexes = () => db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'missions' ORDER BY name").all();
    const before = indexes();
    // A failing bulk import (the last row breaks NOT NULL) leaves the indexes as they were.
    const broken = Array.from({ length: 600 }, (_, i) => run(i, 'f'));
    broken[599] = { ...broken[599]!, risk_level: null as unknown as string };
    assert.throws(() => importBundle(db, bundle(broken), opts));
    assert.deepEqual(indexes(), before);
    assert.equal(db.prepare('SELECT count(*) FROM missions').pluck().get(), 0);

    const runs = Array.from({ length: 600 }, (_, i) => run(i, 'i'));
    assert.equal(importBundle(db, bundle(runs), opts).imported_runs, 600);
    assert.deepEqual(indexes(), before, 'every index is back, unchanged');
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    // Answers through an index equal a scan of the table.
    const viaIndex = db.prepare("SELECT id FROM missions INDEXED BY missions_status WHERE status = 'failed' ORDER BY id").pluck().all();
    const scan = db.prepare("SELECT id FROM missions NOT INDEXED WHERE status = 'failed' ORDER BY id").pluck().all();
    assert.ok(scan.length > 50);
    assert.deepEqual(viaIndex, scan);
    // A small import into the now larger table keeps its indexes the ordinary way.
    assert.equal(importBundle(db, bundle(Array.from({ length: 10 }, (_, i) => run(i, 'j'))), opts).imported_runs, 10);
    assert.deepEqual(indexes(), before);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
