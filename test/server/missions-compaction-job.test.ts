// Compaction of a huge backlog is a job: POST retention/compact {wait:false} answers at once with a job id, its
// progress is committed as it goes (GET retention/compactions/{id}, GET retention's running_compaction), a kill -9
// mid-run leaves it `interrupted` with what it had removed, and the next compaction removes exactly the rest —
// nothing kept is lost, and the kept event types all survive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';
const OLD_EVENTS = 150_000;
/** Kept event types (the policy's kept_event_types, checked below): compaction never removes them, at any age. */
const KEPT = ['prepared', 'state_changed'];
const json = async (r: Response | Promise<Response>) => (await r).json() as Promise<any>;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A mission with OLD_EVENTS removable events past the TTL and a few kept ones, written straight into SQLite. */
function seedBacklog(dataDir: string): void {
  const db = new Database(path.join(dataDir, 'agentora.db'));
  const old = new Date(Date.now() - 90 * 86_400_000).toISOString();
  db.prepare(
    `INSERT INTO missions (id, created_at, updated_at, status, repo, persona_id, mission_title, objective, session_id, packet_json, snapshot_hash, root_mission_id)
     VALUES ('run_backlog', ?, ?, 'succeeded', 'acme/backlog', 'default', 'Backlog', 'o', 's', '{}', 'h', 'run_backlog')`,
  ).run(old, old);
  const ins = db.prepare(`INSERT INTO mission_events (mission_id, created_at, type, message) VALUES ('run_backlog', ?, ?, '')`);
  db.transaction(() => {
    for (let i = 0; i < OLD_EVENTS; i++) ins.run(old, 'job_event');
    for (const t of KEPT) ins.run(old, t);
  })();
  db.close();
}

const count = (dataDir: string, where: string) => {
  const db = new Database(path.join(dataDir, 'agentora.db'));
  try {
    return (db.prepare(`SELECT count(*) AS n FROM mission_events WHERE mission_id = 'run_backlog' AND ${where}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

test('a huge backlog compacts as a job: answers at once, progress persists, kill -9 mid-run → interrupted, the next run removes exactly the rest', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-compaction-job-'));
  const env = { AGENTORA_MISSIONS_EVENTS_TTL_DAYS: '30', AGENTORA_MISSIONS_EVENTS_MAX_PER_RUN: '100000' };
  let s: TestServer | undefined;
  try {
    await (await startServer(env, 15000, { dataDir })).stop(); // migrate the empty store
    seedBacklog(dataDir);
    s = await startServer(env, 15000, { dataDir });

    const t0 = performance.now();
    const started = await json(s.fetch(`${API}/retention/compact`, { method: 'POST', body: JSON.stringify({ wait: false }) }));
    const answeredMs = performance.now() - t0;
    assert.equal(started.ok, true);
    assert.equal(started.state, 'running');
    assert.ok(Number.isInteger(started.job_id));
    assert.equal(started.report.dry_run, false);
    assert.ok(answeredMs < 2000, `answered at once (${answeredMs.toFixed(0)} ms)`);

    // Progress is visible (committed) while it runs, in the job and in GET retention.
    const mid = await until('progress', async () => {
      const j = (await json(s!.fetch(`${API}/retention/compactions/${started.job_id}`))).job;
      return j.state === 'running' && j.report.removed_total > 0 && j;
    });
    assert.ok(mid.report.removed_events_ttl > 0);
    const r = await json(s.fetch(`${API}/retention`));
    assert.equal(r.running_compaction?.job_id, started.job_id);
    for (const t of KEPT) assert.ok(r.policy.kept_event_types.includes(t), t);

    // kill -9 while it runs.
    const exited = new Promise((res) => s!.proc.once('exit', res));
    s.proc.kill('SIGKILL');
    await exited;
    const left = count(dataDir, `type = 'job_event'`);
    assert.ok(left > 0 && left < OLD_EVENTS, `the kill came mid-run (${left} of ${OLD_EVENTS} left)`);

    s = await startServer(env, 15000, { dataDir });
    const cut = (await json(s.fetch(`${API}/retention/compactions/${started.job_id}`))).job;
    assert.equal(cut.state, 'interrupted');
    assert.match(cut.error, /stopped during this compaction/);
    assert.ok(cut.report.removed_total > 0 && cut.report.removed_total <= OLD_EVENTS - left, 'its committed progress is kept');
    const r2 = await json(s.fetch(`${API}/retention`));
    assert.equal(r2.running_compaction, null);
    assert.equal(r2.last_compaction.started_at, cut.report.started_at);
    assert.equal(r2.next_compaction.removed_events_ttl, left, 'the dry run sees exactly what is left');

    // The next compaction (waiting for its report, the default) removes exactly the rest; kept types all survive.
    const rest = await json(s.fetch(`${API}/retention/compact`, { method: 'POST', body: '{}' }));
    assert.equal(rest.state, 'done');
    assert.equal(rest.report.removed_events_ttl, left);
    assert.equal(count(dataDir, `type = 'job_event'`), 0);
    assert.equal(count(dataDir, `type IN ('${KEPT.join("', '")}')`), KEPT.length);
    const done = (await json(s.fetch(`${API}/retention/compactions/${rest.job_id}`))).job;
    assert.equal(done.state, 'done');
    assert.equal((await s.fetch(`${API}/retention/compactions/999999`)).status, 404);
    assert.equal((await s.fetch(`${API}/retention/compactions/abc`)).status, 400);
  } finally {
    await s?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
