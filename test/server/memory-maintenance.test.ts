// Duplicates, conflicts and maintenance through the real server: scans as jobs, findings as proposals (clear
// positives and negatives), accept (merge / supersede / keep both) and reject, lineage and as_of after a
// supersede, decay and archive with a report, progress notifications, and undo from the report.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/src/store/db';
import { CLI, startServer, type TestServer } from '../helpers/server';

type Call = (path: string, body?: unknown, method?: string) => Promise<{ status: number; body: any }>;
const caller =
  (s: TestServer): Call =>
  async (path, body, method = body === undefined ? 'GET' : 'POST') => {
    const res = await s.fetch(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: await res.json() };
  };

const LONG =
  'The nightly export job writes every customer invoice of the previous day to the finance bucket and then sends a summary email to the billing team with the totals';

describe('duplicate and conflict proposals', () => {
  let s: TestServer;
  let call: Call;
  const id: Record<string, number> = {};
  const make = async (key: string, text: string, extra: Record<string, unknown> = {}) => {
    id[key] = (await call('/api/memory/capsules', { text, ...extra })).body.capsule.capsule_id;
  };
  const pairs = (items: any[]) =>
    items.map((p) =>
      p.members
        .map((m: any) => m.capsule_id)
        .sort((a: number, b: number) => a - b)
        .join('+'),
    );
  const pair = (...keys: string[]) =>
    keys
      .map((k) => id[k]!)
      .sort((a, b) => a - b)
      .join('+');

  before(async () => {
    s = await startServer();
    call = caller(s);
    await make('exactA', 'Staging database lives in eu-west-1.');
    await make('exactB', 'staging database lives in EU-WEST-1');
    await make('nearA', LONG);
    await make('nearB', LONG.replace('summary email', 'summary message'));
    await make('port1', 'The API port is 8080.');
    await make('port2', 'The API port is 9090.');
    await make('tabs', 'We use tabs for indentation in Go files.');
    await make('notabs', "We don't use tabs for indentation in Go files.");
    // Clear negatives: different keys, same topic but different statements, same key in another repo, paraphrase.
    await make('timeout', 'The API timeout is 30 seconds.');
    await make('backups1', 'Backups run nightly at two in the morning.');
    await make('backups2', 'Backups are stored in a separate cloud account.');
    await make('otherRepo', 'The API port is 7070.', { repo: 'legacy' });
    await make('spaces', 'We use spaces for indentation in Python files.');
  });
  after(() => s?.stop());

  test('scans run as jobs and find exactly the positives', async () => {
    const d = await call('/api/memory/maintenance/duplicates', { wait: true });
    assert.equal(d.status, 202);
    assert.equal(d.body.job.status, 'done', JSON.stringify(d.body.job));
    const dups = (await call('/api/memory/duplicates')).body.items;
    assert.deepEqual(pairs(dups).sort(), [pair('exactA', 'exactB'), pair('nearA', 'nearB')].sort());
    assert.equal(dups.find((p: any) => p.subkind === 'near').similarity >= 0.8, true);

    const c = await call('/api/memory/maintenance/conflicts', { wait: true });
    assert.equal(c.body.job.summary.conflict_proposals, 2, JSON.stringify(c.body.job));
    const conflicts = (await call('/api/memory/conflicts')).body.items;
    assert.deepEqual(pairs(conflicts).sort(), [pair('port1', 'port2'), pair('tabs', 'notabs')].sort());
    const port = conflicts.find((p: any) => p.subkind === 'value');
    assert.match(port.detail, /"api port" has different values: "8080" .* vs "9090"/);
    assert.equal(conflicts.find((p: any) => p.members.some((m: any) => m.capsule_id === id.tabs)).subkind, 'negation');

    const health = (await call('/api/memory/health')).body;
    assert.equal(health.conflict_count, 2);
    assert.equal(health.duplicate_count, 2);
    const flagged = await call('/api/capsules/search', { query: 'API port' });
    assert.equal(flagged.body.items.find((i: any) => i.capsule_id === id.port1).conflict_flag, true);
    assert.equal(flagged.body.items.find((i: any) => i.capsule_id === id.timeout).conflict_flag, false);
  });

  test('nothing is applied until the operator accepts: merge keeps one, archives the rest, links merged_from', async () => {
    assert.equal((await call(`/api/memory/capsules/${id.nearB}`)).body.capsule.status, 'active', 'scan changed nothing');
    const near = (await call('/api/memory/duplicates')).body.items.find((p: any) => p.subkind === 'near');
    const r = await call(`/api/memory/proposals/${near.proposal_id}/accept`, { resolution: 'merge', keep_id: id.nearA });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.proposal.status, 'accepted');
    assert.equal((await call(`/api/memory/capsules/${id.nearB}`)).body.capsule.status, 'archived');
    const lin = (await call(`/api/memory/capsules/${id.nearA}/lineage`)).body;
    assert.deepEqual(
      lin.edges.map((e: any) => [e.from_id, e.relation, e.to_id]),
      [[id.nearA, 'merged_from', id.nearB]],
    );
    assert.equal((await call(`/api/memory/proposals/${near.proposal_id}/accept`, { resolution: 'merge' })).status, 409, 'decided once');
  });

  test('supersede a conflict: the loser keeps its text but gets valid_to and a superseded_by link; as_of still sees it', async () => {
    const port = (await call('/api/memory/conflicts')).body.items.find((p: any) => p.subkind === 'value');
    assert.equal((await call(`/api/memory/proposals/${port.proposal_id}/accept`, { resolution: 'merge' })).status, 400, 'merge is for duplicates');
    assert.equal(
      (await call(`/api/memory/proposals/${port.proposal_id}/accept`, { resolution: 'supersede', keep_id: id.timeout })).status,
      400,
      'keep_id must be a member',
    );
    const before = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const r = await call(`/api/memory/proposals/${port.proposal_id}/accept`, { resolution: 'supersede', keep_id: id.port2, note: 'moved to 9090' });
    assert.deepEqual(r.body.changed_ids, [id.port1]);
    const old = (await call(`/api/memory/capsules/${id.port1}`)).body.capsule;
    assert.equal(old.text, 'The API port is 8080.');
    assert.ok(old.valid_to);
    assert.equal(old.current, false);
    const lin = (await call(`/api/memory/capsules/${id.port1}/lineage`)).body;
    assert.deepEqual(
      lin.edges.map((e: any) => [e.from_id, e.relation, e.to_id]),
      [[id.port1, 'superseded_by', id.port2]],
    );
    const nowHits = (await call('/api/capsules/search', { query: 'API port' })).body.items.map((i: any) => i.capsule_id);
    assert.ok(nowHits.includes(id.port2) && !nowHits.includes(id.port1));
    const thenHits = (await call('/api/capsules/search', { query: 'API port', as_of: before })).body.items.map((i: any) => i.capsule_id);
    assert.ok(thenHits.includes(id.port1), 'what we believed then');
    assert.equal((await call(`/api/memory/capsules/${id.port1}?as_of=${encodeURIComponent(before)}`)).body.believed_at_as_of, true);
    assert.equal(
      (await call(`/api/memory/capsules/${id.port1}?as_of=${encodeURIComponent(new Date().toISOString())}`)).body.believed_at_as_of,
      false,
    );
  });

  test('reject and keep both change nothing, and a decided finding is not proposed again', async () => {
    const tabs = (await call('/api/memory/conflicts')).body.items[0];
    const r = await call(`/api/memory/proposals/${tabs.proposal_id}/reject`, { note: 'different files' });
    assert.equal(r.body.proposal.status, 'rejected');
    const exact = (await call('/api/memory/duplicates')).body.items[0];
    const k = await call(`/api/memory/proposals/${exact.proposal_id}/accept`, { resolution: 'keep_both' });
    assert.deepEqual(k.body.changed_ids, []);
    assert.equal((await call(`/api/memory/capsules/${id.exactB}`)).body.capsule.status, 'active');
    await call('/api/memory/maintenance/conflicts', { wait: true });
    await call('/api/memory/maintenance/duplicates', { wait: true });
    assert.deepEqual((await call('/api/memory/conflicts')).body.items, []);
    assert.deepEqual((await call('/api/memory/duplicates')).body.items, []);
    assert.equal((await call('/api/memory/conflicts?status=all')).body.total, 2);
    assert.equal((await call('/api/memory/proposals/99999/reject', {})).status, 404);
  });
});

describe('maintenance: decay, archive, report, progress and undo', () => {
  let s: TestServer;
  let call: Call;
  const id: Record<string, number> = {};
  before(async () => {
    // Every memory counts as idle at once; one decay (0.5) takes salience below the archive floor (0.6).
    s = await startServer({
      AGENTORA_MEMORY_DECAY_AFTER_DAYS: '0',
      AGENTORA_MEMORY_DECAY_STEP: '0.5',
      AGENTORA_MEMORY_ARCHIVE_BELOW_SALIENCE: '0.6',
    });
    call = caller(s);
    const make = async (key: string, body: Record<string, unknown>) => (id[key] = (await call('/api/memory/capsules', body)).body.capsule.capsule_id);
    await make('stale', { text: 'An old scratch note about a spike that went nowhere.', layer: 'working' });
    await make('trusted', { text: 'Release branches are cut on the first Monday.', trust: 0.9 });
    await make('core', { text: 'Never commit secrets to the repository.', layer: 'core' });
    await make('dupA', { text: 'The design review happens every Thursday.' });
    await make('dupB', { text: 'the design review happens every thursday' });
  });
  after(() => s?.stop());

  test('a run returns a job id at once, streams progress, and reports each change', async () => {
    const events = await s.fetch('/api/events');
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    const start = await call('/api/memory/maintenance/run', {});
    assert.equal(start.status, 202);
    assert.ok(['queued', 'running', 'done'].includes(start.body.job.status));
    const jobId = start.body.job.job_id;
    let buf = '';
    const progress: any[] = [];
    const deadline = Date.now() + 10000;
    while (!progress.some((p) => p.status === 'done') && Date.now() < deadline) {
      const { value } = await reader.read();
      buf += value ?? '';
      for (const m of buf.matchAll(/event: agentora\/memory\/didProgress\ndata: (.*)\n/g)) progress.push(JSON.parse(m[1]!));
      buf = buf.slice(buf.lastIndexOf('\n\n') + 1);
    }
    await reader.cancel();
    assert.ok(progress.length >= 2 && progress.every((p) => p.job_id === jobId), JSON.stringify(progress));
    assert.deepEqual(progress.at(-1).status, 'done');

    const job = (await call(`/api/memory/maintenance/jobs/${jobId}`)).body;
    assert.equal(job.job.status, 'done');
    assert.deepEqual(
      { decayed: job.job.summary.decayed, archived: job.job.summary.archived },
      { decayed: 4, archived: 3 },
      JSON.stringify(job.job.summary),
    );
    const byKind = (k: string) => job.changes.filter((c: any) => c.change === k);
    assert.deepEqual(
      byKind('decay')
        .map((c: any) => c.capsule_id)
        .sort(),
      [id.stale, id.trusted, id.dupA, id.dupB].sort(),
      'core memories never decay',
    );
    // Low value (salience below the floor, little use, trust < 0.7) is archived; the trusted one decays but stays.
    assert.deepEqual(
      byKind('archive')
        .map((c: any) => c.capsule_id)
        .sort(),
      [id.stale, id.dupA, id.dupB].sort(),
    );
    assert.ok(byKind('archive').every((c: any) => c.before === 'active' && c.after === 'archived' && /low value/.test(c.reason)));
    assert.ok(!byKind('archive').some((c: any) => c.capsule_id === id.trusted || c.capsule_id === id.core));
    assert.equal((await call(`/api/memory/capsules/${id.trusted}`)).body.capsule.salience, 0.5);
    assert.equal(job.total, job.changes.length);

    const health = (await call('/api/memory/health')).body;
    assert.equal(health.last_maintenance.job_id, jobId);
    assert.equal(health.maintenance_status[0].job_id, jobId);
  });

  test('undo from the report restores every change; a second undo skips what is already undone', async () => {
    const jobId = (await call('/api/memory/maintenance/jobs')).body.items[0].job_id;
    const job = (await call(`/api/memory/maintenance/jobs/${jobId}`)).body;
    const archived = job.changes.filter((c: any) => c.change === 'archive').map((c: any) => c.capsule_id);
    assert.ok(archived.length >= 1);
    // One change is undone alone first.
    const one = job.changes.find((c: any) => c.change === 'decay' && c.capsule_id === id.trusted);
    const partial = await call(`/api/memory/maintenance/jobs/${jobId}/undo`, { change_ids: [one.change_id] });
    assert.equal(partial.body.undone, 1);
    assert.equal((await call(`/api/memory/capsules/${id.trusted}`)).body.capsule.salience, 1);
    const all = await call(`/api/memory/maintenance/jobs/${jobId}/undo`, {});
    assert.equal(all.body.undone, job.changes.length - 1);
    assert.deepEqual(all.body.skipped, [{ change_id: one.change_id, reason: 'already undone' }]);
    for (const cid of archived) {
      const c = (await call(`/api/memory/capsules/${cid}`)).body.capsule;
      assert.equal(c.status, 'active');
      assert.equal(c.salience, 1);
    }
    const after = (await call(`/api/memory/maintenance/jobs/${jobId}`)).body;
    assert.ok(after.changes.every((c: any) => c.undone_at));
    assert.equal(after.job.undone_count, after.job.change_count);
    assert.equal(
      (await call('/api/memory/duplicates')).body.items.length,
      1,
      'the exact-duplicate proposal made at write time is not the job’s to withdraw',
    );
  });

  test('undo skips a change whose memory changed again since', async () => {
    const run = (await call('/api/memory/maintenance/run', { wait: true })).body.job;
    const changes = (await call(`/api/memory/maintenance/jobs/${run.job_id}`)).body.changes;
    const archivedChange = changes.find((c: any) => c.change === 'archive');
    await call(`/api/memory/capsules/${archivedChange.capsule_id}/restore`, {});
    const r = await call(`/api/memory/maintenance/jobs/${run.job_id}/undo`, { change_ids: [archivedChange.change_id] });
    assert.equal(r.body.undone, 0);
    assert.match(r.body.skipped[0].reason, /is active now, not archived/);
    assert.equal((await call(`/api/memory/maintenance/jobs/${run.job_id}/undo`, { change_ids: [999999] })).status, 404);
    assert.equal((await call('/api/memory/maintenance/jobs/999999')).status, 404);
    assert.equal((await call('/api/memory/maintenance/run', { wait: 'maybe' })).status, 400);
  });
});

describe('a job interrupted by a restart', () => {
  test('is marked failed with the reason when the server starts again, never left running', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-memjob-'));
    const db = openDatabase(path.join(dir, 'agentora.db'));
    db.prepare(
      `INSERT INTO memory_jobs (kind, status, phase, progress, summary_json, created_at, started_at) VALUES ('maintenance', 'running', 'decay', 0.5, '{}', ?, ?)`,
    ).run(new Date().toISOString(), new Date().toISOString());
    db.close();
    // The CLI on this existing data dir (the shared helper always makes a fresh one).
    const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
      env: { PATH: process.env.PATH, HOME: dir, AGENTORA_DATA_DIR: dir },
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        proc.stdout!.on('data', (d) => {
          out += d;
          const m = /studio\s*: (http:\/\/[^/]+)\//.exec(out);
          if (m) resolve(m[1]!);
        });
        proc.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      const token = readFileSync(path.join(dir, 'token'), 'utf8').trim();
      const get = async (p: string, body?: unknown) =>
        (
          await fetch(url + p, {
            method: body ? 'POST' : 'GET',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            ...(body ? { body: JSON.stringify(body) } : {}),
          })
        ).json() as Promise<any>;
      const job = (await get('/api/memory/maintenance/jobs/1')).job;
      assert.equal(job.status, 'failed');
      assert.equal(job.error, 'interrupted by a server restart');
      assert.equal((await get('/api/memory/maintenance/run', { wait: true })).job.status, 'done', 'and new jobs run');
    } finally {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
