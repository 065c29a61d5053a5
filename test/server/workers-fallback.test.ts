// Leases: a worker killed mid-job (kill -9) → its lease expires → the job runs here exactly once, within the
// lease + one heartbeat; a worker that comes back late with a result is refused and the result stays the local one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { FAST, freePort, removeDir, serve, startWorker, tempDir, until, type Srv, type WorkerProc } from './workers-helpers';

let local: FakeOllama;
let remote: FakeOllama;
let s: Srv;
let dir: string;
const workers: WorkerProc[] = [];
const lastUser = (b: { messages: { role: string; content: string }[] }) => b.messages.at(-1)!.content;
const calls = (f: FakeOllama, marker: string) => f.chats.filter((c) => c.messages.at(-1)?.content.includes(marker)).length;

before(async () => {
  local = await startFakeOllama(undefined, { chat: (b) => `local says ${lastUser(b)}` });
  // The worker's Ollama is slow, so the test can kill the worker mid-job.
  remote = await startFakeOllama(undefined, { chat: (b) => `worker says ${lastUser(b)}`, chatDelayMs: 30000 });
  dir = tempDir();
  s = await serve(dir, await freePort(), { ...FAST, AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: local.url });
});
after(async () => {
  for (const w of workers) await w.kill();
  await s?.stop();
  await local?.close();
  await remote?.close();
  if (dir) removeDir(dir);
});

const getJob = async (id: number) => (await s.api('GET', `/api/workers/jobs/${id}`)).body.job;

describe('workers: lease expiry and late results', () => {
  test('kill -9 the worker mid-job: the lease expires and the job runs here exactly once', async () => {
    const token = (await s.api('POST', '/api/workers/tokens', { name: 'doomed' })).body.token;
    const w = startWorker(s.url, token, remote.url, ['--capabilities', 'model_chat'], 'doomed');
    workers.push(w);
    await w.waitFor(/registered as worker/);
    const d = await s.api('POST', '/api/workers/dispatch', { job_type: 'model_chat', payload: { messages: [{ role: 'user', content: 'kill-1' }] } });
    const id = d.body.job.id;
    await until('the worker is running it', () => calls(remote, 'kill-1') === 1);
    assert.equal((await getJob(id)).status, 'leased');
    const killedAt = Date.now();
    await w.kill('SIGKILL');
    const job = await until('ran here after the lease expired', async () => {
      const j = await getJob(id);
      return j.status === 'succeeded' && j;
    });
    const took = Date.now() - killedAt;
    assert.equal(job.used_fallback_local, true);
    assert.match(job.fallback_reason, /lease expired on worker 'doomed' \(no heartbeat for/);
    assert.equal(job.ran_on, 'local');
    assert.equal(JSON.parse(job.result_json).content, 'local says kill-1');
    assert.equal(calls(local, 'kill-1'), 1, 'ran here exactly once');
    // lease 1.5 s + one heartbeat 0.3 s (+ the sweep tick and a loaded machine's slack)
    assert.ok(took < 1500 + 300 + 1500, `fallback took ${took} ms`);
    // nothing runs it again afterwards
    await until('a few sweeps later', async () => Date.now() - killedAt > took + 1000);
    assert.equal(calls(local, 'kill-1'), 1);
    assert.equal((await getJob(id)).status, 'succeeded');
  });

  test('a worker coming back late with a result is refused; the job keeps the result that counted', async () => {
    const token = (await s.api('POST', '/api/workers/tokens', { name: 'late' })).body.token;
    const reg = await s.api('POST', '/api/workers/register', { name: 'late', capabilities: ['model_chat'] }, token);
    const wid = reg.body.worker.id;
    const d = await s.api('POST', '/api/workers/dispatch', { job_type: 'model_chat', payload: { messages: [{ role: 'user', content: 'late-1' }] } });
    const claimed = await s.api('POST', '/api/workers/claim', { worker_id: wid, max: 1, wait_seconds: 2 }, token);
    assert.equal(claimed.body.jobs[0].id, d.body.job.id);
    const lease = claimed.body.jobs[0].lease_id;
    // This "worker" goes quiet (no heartbeat): the lease expires, the job runs here.
    const job = await until('taken over locally', async () => {
      const j = await getJob(d.body.job.id);
      return j.status === 'succeeded' && j;
    });
    assert.equal(job.ran_on, 'local');
    const late = await s.api('POST', `/api/workers/jobs/${d.body.job.id}/result`, { lease_id: lease, result: { content: 'LATE' } }, token);
    assert.equal(late.status, 409);
    assert.match(late.body.message, /refused.*Exactly one result counts/);
    const after = await getJob(d.body.job.id);
    assert.equal(JSON.parse(after.result_json).content, 'local says late-1');
    // a heartbeat naming the lost lease is told to drop it
    const hb = await s.api('POST', '/api/workers/heartbeat', { worker_id: wid, running: [{ id: d.body.job.id, lease_id: lease }] }, token);
    assert.deepEqual(hb.body.drop, [d.body.job.id]);
  });

  test('a result sent twice under the same lease counts once (a retry after a network drop)', async () => {
    const token = (await s.api('POST', '/api/workers/tokens', { name: 'twice' })).body.token;
    const wid = (await s.api('POST', '/api/workers/register', { name: 'twice', capabilities: ['memory_maintenance'] }, token)).body.worker.id;
    const d = await s.api('POST', '/api/workers/dispatch', { job_type: 'memory_maintenance', payload: { items: [{ id: 'a', text: 'x' }] } });
    const c = (await s.api('POST', '/api/workers/claim', { worker_id: wid, max: 1 }, token)).body.jobs[0];
    assert.equal(c.id, d.body.job.id);
    const bad = await s.api('POST', `/api/workers/jobs/${c.id}/result`, { lease_id: c.lease_id, result: { pairs: 'nope' } }, token);
    assert.equal(bad.status, 400, 'a malformed result is refused, naming the field');
    assert.equal(bad.body.issues[0].path, 'pairs');
    const r1 = await s.api('POST', `/api/workers/jobs/${c.id}/result`, { lease_id: c.lease_id, result: { pairs: [], scanned: 1 } }, token);
    const r2 = await s.api('POST', `/api/workers/jobs/${c.id}/result`, { lease_id: c.lease_id, result: { pairs: [], scanned: 1 } }, token);
    assert.deepEqual([r1.body.accepted, r1.body.duplicate], [true, false]);
    assert.deepEqual([r2.body.accepted, r2.body.duplicate], [true, true]);
    const wrongLease = await s.api(
      'POST',
      `/api/workers/jobs/${c.id}/result`,
      { lease_id: 'not-the-lease', result: { pairs: [], scanned: 1 } },
      token,
    );
    assert.equal(wrongLease.status, 409);
    await s.api('POST', '/api/workers/goodbye', { worker_id: wid }, token);
  });

  test('a failure is retried on a worker, then runs here when retries run out', async () => {
    const token = (await s.api('POST', '/api/workers/tokens', { name: 'flaky' })).body.token;
    const wid = (await s.api('POST', '/api/workers/register', { name: 'flaky', capabilities: ['model_chat'] }, token)).body.worker.id;
    const d = await s.api('POST', '/api/workers/dispatch', {
      job_type: 'model_chat',
      payload: { messages: [{ role: 'user', content: 'flaky-1' }] },
      max_retries: 1,
    });
    for (let i = 0; i < 2; i++) {
      const c = (await s.api('POST', '/api/workers/claim', { worker_id: wid, max: 1, wait_seconds: 2 }, token)).body.jobs[0];
      assert.equal(c?.id, d.body.job.id, `attempt ${i + 1}`);
      const f = await s.api('POST', `/api/workers/jobs/${c.id}/fail`, { lease_id: c.lease_id, error: 'GPU out of memory' }, token);
      assert.equal(f.status, 200);
    }
    const job = await until('ran here', async () => {
      const j = await getJob(d.body.job.id);
      return j.status === 'succeeded' && j;
    });
    assert.match(job.fallback_reason, /worker failed \(GPU out of memory\), retries used up/);
    assert.equal(job.retries, 2); // two worker attempts, then the local run
    await s.api('POST', '/api/workers/goodbye', { worker_id: wid }, token);
  });
});
