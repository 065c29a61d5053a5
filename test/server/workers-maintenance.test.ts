// The memory duplicate scan on a worker: with a real `agentora worker` (capability memory_maintenance) live, the
// scan's candidate pairs go to it as memory_maintenance jobs, it verifies them, and its findings become the same
// review proposals the local scan makes. A job no worker takes (its worker said goodbye) runs here through the
// scheduler's local fallback — the same verification code — and its findings become proposals too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST, freePort, removeDir, serve, startWorker, tempDir, until, type Srv, type WorkerProc } from './workers-helpers';

const LONG =
  'The nightly export job writes every customer invoice of the previous day to the finance bucket and then sends a summary email to the billing team with the totals';
const OTHER =
  'Release builds are signed on the build server with the hardware key, then the installer is uploaded to the download page and the changelog is posted';

let s: Srv;
let dir: string;
const procs: WorkerProc[] = [];
const id: Record<string, number> = {};
const make = async (key: string, text: string) => {
  const r = await s.api('POST', '/api/memory/capsules', { text });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  id[key] = r.body.capsule.capsule_id;
};
const members = (p: any) => p.members.map((m: any) => m.capsule_id).sort((a: number, b: number) => a - b);
const maintenanceJobs = async () =>
  ((await s.api('GET', '/api/workers/jobs?limit=100')).body.items as any[]).filter((j) => j.job_type === 'memory_maintenance');

before(async () => {
  dir = tempDir();
  // heartbeats every second (live = heard within 2 s): steady on a loaded machine
  s = await serve(dir, await freePort(), {
    ...FAST,
    AGENTORA_WORKER_LEASE_SECONDS: '3',
    AGENTORA_WORKER_HEARTBEAT_SECONDS: '1',
    AGENTORA_USE_MOCK_OLLAMA: 'true',
    AGENTORA_WORKER_MAINTENANCE_MODE: 'auto',
  });
  await make('exactA', 'Staging database lives in eu-west-1.');
  await make('exactB', 'staging database lives in EU-WEST-1');
  await make('nearA', LONG);
  await make('nearB', LONG.replace('summary email', 'summary message'));
  await make('lone', 'Backups run nightly at two in the morning.');
});
after(async () => {
  for (const w of procs) await w.kill();
  await s?.stop();
  if (dir) removeDir(dir);
});

describe('workers: the memory maintenance scan', () => {
  test('a live worker verifies the candidate pairs; its findings become the review proposals', async () => {
    const created = await s.api('POST', '/api/workers/tokens', { name: 'gpu-box' });
    const w = startWorker(s.url, created.body.token, 'http://127.0.0.1:9', ['--capabilities', 'memory_maintenance'], 'gpu-box');
    procs.push(w);
    await w.waitFor(/registered as worker #\d+ \(capabilities memory_maintenance/);
    await until('the worker is live', async () =>
      (await s.api('GET', '/api/workers')).body.items.some((x: any) => x.name === 'gpu-box' && x.state === 'live'),
    );

    const d = await s.api('POST', '/api/memory/maintenance/duplicates', { wait: true });
    assert.equal(d.status, 202, JSON.stringify(d.body));
    assert.equal(d.body.job.status, 'done', JSON.stringify(d.body.job));
    assert.equal(d.body.job.summary.worker_batches, 1, JSON.stringify(d.body.job.summary));
    assert.equal(d.body.job.summary.local_batches, 0);
    const jobs = await maintenanceJobs();
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].ran_on, 'worker:gpu-box');
    assert.equal(jobs[0].used_fallback_local, false);
    assert.equal(jobs[0].ref, `job ${d.body.job.job_id}`);
    assert.match(w.out(), /job \d+ \(memory_maintenance\) claimed/);

    // the same proposals the local scan makes: the exact pair (SQL) and the near pair (verified on the worker)
    const dups = (await s.api('GET', '/api/memory/duplicates')).body.items as any[];
    const near = dups.find((p) => p.subkind === 'near');
    assert.deepEqual(
      members(near),
      [id.nearA!, id.nearB!].sort((a, b) => a - b),
    );
    assert.ok(near.similarity >= 0.8 && near.similarity < 1, JSON.stringify(near));
    assert.deepEqual(
      members(dups.find((p) => p.subkind === 'exact')),
      [id.exactA!, id.exactB!].sort((a, b) => a - b),
    );
    assert.equal(dups.length, 2, JSON.stringify(dups));
  });

  test('the worker goes away before claiming: the job runs here (same code) and its findings still become proposals', async () => {
    for (const w of procs) await w.kill();
    // no longer live: by then its last long-poll has timed out too (a poll is a heartbeat), so nothing is leased to it
    await until('the killed worker is no longer live', async () =>
      (await s.api('GET', '/api/workers')).body.items.every((x: any) => x.name !== 'gpu-box' || x.state !== 'live'),
    );
    await make('otherA', OTHER);
    await make('otherB', OTHER.replace('is posted', 'is published'));
    // a worker driven by hand: live (so the scan dispatches), but it never claims
    const t = (await s.api('POST', '/api/workers/tokens', { name: 'flaky' })).body.token;
    const wid = (await s.api('POST', '/api/workers/register', { name: 'flaky', capabilities: ['memory_maintenance'] }, t)).body.worker.id;
    const before = (await maintenanceJobs()).length;
    const scan = await s.api('POST', '/api/memory/maintenance/duplicates', {});
    assert.equal(scan.status, 202);
    const queued = await until('the scan dispatched its batch', async () => {
      await s.api('POST', '/api/workers/heartbeat', { worker_id: wid }, t);
      const jobs = await maintenanceJobs();
      return jobs.length > before && jobs[0];
    });
    await s.api('POST', '/api/workers/goodbye', { worker_id: wid }, t);
    const end = await until('the scan finished', async () => {
      const j = (await s.api('GET', `/api/memory/maintenance/jobs/${scan.body.job.job_id}`)).body;
      const job = j.job ?? j;
      return job.status !== 'running' && job.status !== 'queued' && job;
    });
    assert.equal(end.status, 'done', JSON.stringify(end));
    assert.equal(end.summary.fallback_batches, 1, JSON.stringify(end.summary));
    const job = (await s.api('GET', `/api/workers/jobs/${queued.id}`)).body.job;
    assert.equal(job.status, 'succeeded');
    assert.equal(job.used_fallback_local, true);
    assert.equal(job.ran_on, 'local');
    assert.match(job.fallback_reason, /no live worker with the capability 'memory_maintenance'/);
    const dups = (await s.api('GET', '/api/memory/duplicates')).body.items as any[];
    const near = dups.find((p) => p.subkind === 'near' && members(p).includes(id.otherA));
    assert.deepEqual(
      members(near),
      [id.otherA!, id.otherB!].sort((a, b) => a - b),
    );
  });
});
