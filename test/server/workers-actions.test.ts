// Action jobs on workers: an action approved through the safe-actions queue with `requested_worker` runs on a
// real `agentora worker` only when the operator allowed its tool class for that worker's token and the worker's
// own policy accepts it; a refusal on either side fails the action with the reason (never retried elsewhere);
// a started action is never handed out again when its lease expires, and its result counts once, by key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FAST, freePort, removeDir, serve, startWorker, tempDir, until, type Srv, type WorkerProc } from './workers-helpers';

let s: Srv;
let dir: string;
let box: string; // the folder both policies allow (server and worker are on one machine here)
let worker: WorkerProc;
let tokenId: number;

const propose = (tool_name: string, params: Record<string, unknown>, requested_worker: string | null = 'desk') =>
  s.api('POST', '/api/actions', { run_id: 'r-w', agent_id: 'a', tool_name, params, requested_worker });
const approve = (id: number) => s.api('POST', `/api/actions/${id}/approve`, { reason: 'ok' });
const jobFor = async (actionId: number) =>
  ((await s.api('GET', '/api/workers/jobs?limit=500')).body.items as any[]).filter((j) => j.ref === `action:${actionId}`);

before(async () => {
  dir = tempDir();
  box = realpathSync(tempDir());
  mkdirSync(path.join(box, 'sub'));
  writeFileSync(path.join(box, 'hello.txt'), 'hi');
  s = await serve(dir, await freePort(), {
    ...FAST,
    AGENTORA_USE_MOCK_OLLAMA: 'true',
    AGENTORA_ALLOWED_PATH_ROOTS: box,
    AGENTORA_ALLOWED_APPS: 'touch',
  });
  const created = await s.api('POST', '/api/workers/tokens', { name: 'desk' });
  assert.equal(created.status, 201);
  tokenId = created.body.id;
  // The operator allows reading and writing on this worker (off by default: a fresh token allows nothing).
  assert.deepEqual(created.body.item.allowed_actions, []);
  const set = await s.api('PUT', `/api/workers/tokens/${tokenId}/actions`, { allowed_actions: ['read', 'desktop_write_text'] });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual(set.body.allowed_actions, ['read', 'desktop_write_text']);
  // …but the worker machine's own policy takes only reads.
  worker = startWorker(s.url, created.body.token, 'http://127.0.0.1:9', ['--capabilities', 'model_chat', '--allow-actions', 'read'], 'desk', {
    env: { AGENTORA_ALLOWED_PATH_ROOTS: box, AGENTORA_DATA_DIR: path.join(dir, 'worker-data') },
  });
  await worker.waitFor(/registered as worker #\d+ \(capabilities model_chat,action/);
});
after(async () => {
  await worker?.kill();
  await s?.stop();
  if (dir) removeDir(dir);
  if (box) removeDir(box);
});

describe('workers: action jobs', () => {
  test('allowed on both sides: approved through the queue → runs once on the worker → the result is on the action', async () => {
    const p = await propose('desktop_list_dir', { path: box });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(p.body.status, 'pending');
    assert.deepEqual(await jobFor(p.body.id), [], 'a pending (unapproved) action is never sent to a worker');
    const a = await approve(p.body.id);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.status, 'executed', JSON.stringify(a.body));
    const names = JSON.stringify(a.body.result);
    assert.match(names, /hello\.txt/);
    assert.match(names, /sub/);
    const [job, ...more] = await jobFor(p.body.id);
    assert.equal(more.length, 0);
    assert.equal(job.state, 'succeeded');
    assert.equal(job.ran_on, 'worker:desk');
    assert.equal(job.idempotency_key, `action:${p.body.id}`);
    assert.equal(job.used_fallback_local, false);
    await worker.waitFor(new RegExp(`job ${job.id} \\(action\\) done`));
    const audit = (await s.api('GET', `/api/actions/history?limit=50`)).body;
    const events = (audit.approval_history as any[]).filter((e) => e.action_id === p.body.id).map((e) => `${e.event}:${e.actor}`);
    assert.ok(events.includes('executed:worker:desk'), events.join(' '));
  });

  test('not allowed on the server for that worker: refused with the reason, no job, nothing runs', async () => {
    const before = (await s.api('GET', '/api/workers/jobs')).body.total;
    const p = await propose('desktop_shell', { argv: ['touch', path.join(box, 'shell-ran')] });
    assert.equal(p.body.status, 'pending');
    const a = await approve(p.body.id);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.status, 'failed');
    assert.match(a.body.error, /Refused: desktop_shell is not allowed on worker 'desk' \(the operator allows read, desktop_write_text there/);
    assert.equal((await s.api('GET', '/api/workers/jobs')).body.total, before);
    assert.equal(existsSync(path.join(box, 'shell-ran')), false);
  });

  test("refused by the worker's own policy: the job fails with the worker's reason, not retried elsewhere", async () => {
    const file = path.join(box, 'from-worker.txt');
    const p = await propose('desktop_write_text', { path: file, content: 'x' });
    const a = await approve(p.body.id);
    assert.equal(a.body.status, 'failed', JSON.stringify(a.body));
    assert.match(a.body.error, /worker 'desk': action 'desktop_write_text' refused by this worker's own policy \(--allow-actions read\)/);
    const [job, ...more] = await jobFor(p.body.id);
    assert.equal(more.length, 0);
    assert.equal(job.state, 'failed');
    assert.equal(job.attempts, 1, 'one attempt: not requeued');
    assert.equal(job.used_fallback_local, false, 'an action never runs on the server as a fallback');
    assert.equal(existsSync(file), false);
  });

  test('an action job cannot be dispatched directly (only the queue, after approval); bad allow-lists are a 400', async () => {
    const d = await s.api('POST', '/api/workers/dispatch', { job_type: 'action', payload: { tool_name: 'desktop_list_dir', params: { path: box } } });
    assert.equal(d.status, 400);
    assert.equal(d.body.issues[0].path, 'job_type');
    const bad = await s.api('PUT', `/api/workers/tokens/${tokenId}/actions`, { allowed_actions: ['read', 'everything'] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.issues[0].path, 'allowed_actions.1');
    assert.deepEqual((await s.api('GET', '/api/workers/tokens')).body.items.find((t: any) => t.id === tokenId).allowed_actions, [
      'read',
      'desktop_write_text',
    ]);
  });

  test('a lease that expires after the action started: never handed out again; the late result counts once, by key', async () => {
    // A worker driven by hand over HTTP, so the test controls when it reports.
    const t = await s.api('POST', '/api/workers/tokens', { name: 'slow', allowed_actions: ['read'] });
    const tok = t.body.token;
    const reg = await s.api('POST', '/api/workers/register', { name: 'slow', capabilities: ['action'] }, tok);
    const wid = reg.body.worker.id;
    const p = await propose('desktop_read_text', { path: path.join(box, 'hello.txt') }, 'slow');
    const approved = approve(p.body.id); // answers when the action is recorded
    const claimed = await s.api('POST', '/api/workers/claim', { worker_id: wid, wait_seconds: 5 }, tok);
    const job = claimed.body.jobs[0];
    assert.equal(job.job_type, 'action');
    assert.equal(job.payload.action_id, p.body.id);
    const st = await s.api('POST', `/api/workers/jobs/${job.id}/start`, { lease_id: job.lease_id }, tok);
    assert.equal(st.status, 200, JSON.stringify(st.body));
    assert.equal(st.body.idempotency_key, `action:${p.body.id}`);
    // No heartbeat: the lease deadline passes (1.5 s) and the sweep runs several times meanwhile.
    const deadline = Date.parse(job.lease_deadline);
    await until('the lease deadline passed by two sweeps', () => Date.now() > deadline + 1200);
    const held = (await s.api('GET', `/api/workers/jobs/${job.id}`)).body.job;
    assert.equal(held.status, 'leased', 'a started action is not requeued, taken over or failed when its lease expires');
    assert.equal(held.attempts, 1);
    const wrongKey = await s.api(
      'POST',
      `/api/workers/jobs/${job.id}/result`,
      {
        lease_id: job.lease_id,
        idempotency_key: 'action:0',
        result: { ok: true, result: { text: 'no' } },
      },
      tok,
    );
    assert.equal(wrongKey.status, 409);
    const body = { lease_id: job.lease_id, idempotency_key: st.body.idempotency_key, result: { ok: true, result: { text: 'hi from slow' } } };
    const r1 = await s.api('POST', `/api/workers/jobs/${job.id}/result`, body, tok);
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    assert.equal(r1.body.duplicate, false);
    const r2 = await s.api('POST', `/api/workers/jobs/${job.id}/result`, body, tok);
    assert.equal(r2.body.duplicate, true);
    const a = await approved;
    assert.equal(a.body.status, 'executed');
    assert.deepEqual(a.body.result, { text: 'hi from slow' });
    assert.equal((await jobFor(p.body.id)).length, 1);
    await s.api('POST', '/api/workers/goodbye', { worker_id: wid }, tok);
  });
});
