// Workers, end to end with real processes: a server (its own fake Ollama), real `agentora worker` processes
// (their own fake Ollama), worker tokens scoped to the worker routes, dispatch → worker → result, the local
// fallback when no worker is alive, and bad input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { createTokenCli, FAST, freePort, removeDir, serve, startWorker, tempDir, until, type Srv, type WorkerProc } from './workers-helpers';

let local: FakeOllama; // the server's own Ollama (local runs)
let remote: FakeOllama; // the worker machine's Ollama
let s: Srv;
let dir: string;
const workers: WorkerProc[] = [];
const lastUser = (b: { messages: { role: string; content: string }[] }) => b.messages.at(-1)!.content;
const calls = (f: FakeOllama, marker: string) => f.chats.filter((c) => c.messages.at(-1)?.content.includes(marker)).length;

before(async () => {
  local = await startFakeOllama(undefined, { chat: (b) => `local says ${lastUser(b)}` });
  remote = await startFakeOllama(undefined, { chat: (b) => `worker says ${lastUser(b)}` });
  dir = tempDir();
  s = await serve(dir, await freePort(), {
    ...FAST,
    AGENTORA_USE_MOCK_OLLAMA: 'false',
    AGENTORA_OLLAMA_URL: local.url,
    AGENTORA_OLLAMA_CHAT_MODEL: 'llama3.2',
  });
});
after(async () => {
  for (const w of workers) await w.kill();
  await s?.stop();
  await local?.close();
  await remote?.close();
  if (dir) removeDir(dir);
});

const chatJob = (text: string, extra: Record<string, unknown> = {}) => ({
  job_type: 'model_chat',
  payload: { messages: [{ role: 'user', content: text }] },
  ...extra,
});

describe('workers: tokens, dispatch, fallback', () => {
  test('no worker alive: a dispatched chat runs here for real, with the reason; worker-only fails with it', async () => {
    const res = await s.api('POST', '/api/workers/dispatch', chatJob('alone-1'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.ok, true);
    const id = res.body.job.id;
    const job = await until('local job done', async () => {
      const j = (await s.api('GET', `/api/workers/jobs/${id}`)).body.job;
      return j.status === 'succeeded' && j;
    });
    assert.equal(job.used_fallback_local, true);
    assert.match(job.fallback_reason, /no live worker with the capability 'model_chat'/);
    assert.equal(job.ran_on, 'local');
    // started_at: set when the local fallback took it, between creation and the end
    assert.ok(job.started_at, 'started_at is set');
    assert.ok(job.created_at <= job.started_at && job.started_at <= job.finished_at, JSON.stringify(job));
    assert.equal(JSON.parse(job.result_json).content, 'local says alone-1');
    assert.equal(calls(local, 'alone-1'), 1);

    const doc = (await s.api('GET', '/api/system/doctor')).body.items.find((i: any) => i.key === 'workers');
    assert.equal(doc.severity, 'info');
    assert.match(doc.fix_hint, /agentora worker-token create --name <machine>.*agentora worker --server/);
    const only = await s.api('POST', '/api/workers/dispatch', chatJob('alone-2', { worker_only: true }));
    assert.equal(only.body.job.status, 'failed');
    assert.equal(only.body.job.started_at, null, 'a job that never ran never started');
    assert.match(only.body.job.error, /worker-only job: no live worker/);
    assert.equal(calls(local, 'alone-2'), 0);
  });

  test('bad input is a 400 naming the field, and nothing is queued', async () => {
    const before = (await s.api('GET', '/api/workers/jobs')).body.total;
    const bad = await s.api('POST', '/api/workers/dispatch', { job_type: 'model_chat', payload: { messages: [] } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.issues[0].path, 'payload.messages');
    const badType = await s.api('POST', '/api/workers/dispatch', { job_type: 'rm_rf', payload: {} });
    assert.equal(badType.status, 400);
    assert.equal(badType.body.issues[0].path, 'job_type');
    assert.equal((await s.api('GET', '/api/workers/jobs')).body.total, before);
  });

  test('a worker token (created by the CLI) reaches only the worker routes', async () => {
    const token = await createTokenCli(dir, 'scoped');
    assert.match(token, /^wkr_[A-Za-z0-9_-]{40,}$/);
    const actions = await s.api('POST', '/api/actions', { run_id: 'r', agent_id: 'a', tool_name: 'desktop_list_dir', params: { path: dir } }, token);
    assert.equal(actions.status, 403, JSON.stringify(actions.body));
    assert.match(actions.body.message, /worker token 'scoped'/);
    for (const [verb, p] of [
      ['GET', '/api/actions/pending'],
      ['GET', '/api/workers'],
      ['GET', '/api/memory/layers'],
      ['GET', '/api/integrations/runs'],
      ['POST', '/api/workers/dispatch'],
      ['POST', '/api/workers/tokens'],
      ['GET', '/api/events'],
    ])
      assert.equal((await s.api(verb!, p!, verb === 'POST' ? {} : undefined, token)).status, 403, `${verb} ${p}`);
    const rpc = await s.api('POST', '/rpc', { jsonrpc: '2.0', id: 1, method: 'agentora/system/info', params: {} }, token);
    assert.equal(rpc.status, 403);
    const reg = await s.api('POST', '/api/workers/register', { name: 'probe', capabilities: ['memory_maintenance'] }, token);
    assert.equal(reg.status, 200);
    assert.equal(reg.body.worker.name, 'probe');
    // …but not for a worker registered with another token
    const other = await createTokenCli(dir, 'other');
    const hb = await s.api('POST', '/api/workers/heartbeat', { worker_id: reg.body.worker.id }, other);
    assert.equal(hb.status, 403);
    await s.api('POST', '/api/workers/goodbye', { worker_id: reg.body.worker.id }, token);
  });

  test('dispatch → a real worker runs it on its own Ollama → the result; answers at once', async () => {
    const created = await s.api('POST', '/api/workers/tokens', { name: 'desktop' });
    assert.equal(created.status, 201);
    const w = startWorker(s.url, created.body.token, remote.url, ['--capabilities', 'model_chat,model_embed', '--concurrency', '2'], 'desktop');
    workers.push(w);
    await w.waitFor(/registered as worker #(\d+)/);
    const list = await s.api('GET', '/api/workers');
    const me = list.body.items.find((x: any) => x.name === 'desktop');
    assert.equal(me.state, 'live');
    assert.deepEqual(me.capabilities, ['model_chat', 'model_embed']);

    const t0 = performance.now();
    const res = await s.api('POST', '/api/workers/dispatch', chatJob('remote-1', { priority: 7 }));
    assert.ok(performance.now() - t0 < 1000, 'dispatch answers at once');
    assert.ok(['queued', 'leased'].includes(res.body.job.status), res.body.job.status);
    const job = await until('worker result', async () => {
      const j = (await s.api('GET', `/api/workers/jobs/${res.body.job.id}`)).body.job;
      return j.status === 'succeeded' && j;
    });
    assert.equal(JSON.parse(job.result_json).content, 'worker says remote-1');
    assert.equal(job.used_fallback_local, false);
    assert.equal(job.ran_on, 'worker:desktop');
    assert.equal(job.worker_node_id, me.id);
    // started_at: set when the worker claimed it (the job was queued or leased at dispatch, never started before)
    assert.ok(job.started_at && job.created_at <= job.started_at && job.started_at <= job.finished_at, JSON.stringify(job));
    assert.equal(job.started_at, job.claimed_at);
    assert.equal(calls(remote, 'remote-1'), 1);
    assert.equal(calls(local, 'remote-1'), 0);

    // an embed batch too, and an idempotency key answers the same job
    const e1 = await s.api('POST', '/api/workers/dispatch', { job_type: 'model_embed', payload: { input: ['a', 'bb'] }, idempotency_key: 'emb-1' });
    const e2 = await s.api('POST', '/api/workers/dispatch', { job_type: 'model_embed', payload: { input: ['a', 'bb'] }, idempotency_key: 'emb-1' });
    assert.equal(e1.body.job.id, e2.body.job.id);
    const emb = await until('embed result', async () => {
      const j = (await s.api('GET', `/api/workers/jobs/${e1.body.job.id}`)).body.job;
      return j.status === 'succeeded' && j;
    });
    assert.equal(JSON.parse(emb.result_json).embeddings.length, 2);
    assert.equal(emb.ran_on, 'worker:desktop');

    // the doctor checks each registered worker from its heartbeats
    const doc = (await s.api('GET', '/api/system/doctor')).body.items.find((i: any) => i.key === 'workers');
    assert.equal(doc.severity, 'ok', JSON.stringify(doc));
    assert.match(doc.detail, /worker\(s\) live: desktop \(model_chat, model_embed; load \d\/2\)/);
  });

  test('revoking the token: its requests are 401, the worker stops, its lease ends at once', async () => {
    const created = await s.api('POST', '/api/workers/tokens', { name: 'to-revoke' });
    const token = created.body.token;
    const reg = await s.api('POST', '/api/workers/register', { name: 'scripted', capabilities: ['memory_maintenance'] }, token);
    const wid = reg.body.worker.id;
    const d = await s.api('POST', '/api/workers/dispatch', {
      job_type: 'memory_maintenance',
      payload: {
        items: [
          { id: 1, text: 'same text here ok' },
          { id: 2, text: 'same text here ok' },
        ],
      },
    });
    const claimed = await s.api('POST', '/api/workers/claim', { worker_id: wid, max: 1, wait_seconds: 0 }, token);
    assert.equal(claimed.body.jobs[0].id, d.body.job.id);
    const revoked = await s.api('DELETE', `/api/workers/tokens/${created.body.id}`);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revoked_at);
    // the lease ended at once: the job ran here (no waiting for the lease to expire)
    const job = (await s.api('GET', `/api/workers/jobs/${d.body.job.id}`)).body.job;
    assert.ok(['running_local', 'succeeded'].includes(job.status), job.status);
    assert.match(job.fallback_reason, /worker token revoked/);
    const done = await until('maintenance ran here', async () => {
      const j = (await s.api('GET', `/api/workers/jobs/${d.body.job.id}`)).body.job;
      return j.status === 'succeeded' && j;
    });
    assert.deepEqual(JSON.parse(done.result_json).pairs, [{ a: 1, b: 2, similarity: 1 }]);
    const late = await s.api(
      'POST',
      `/api/workers/jobs/${d.body.job.id}/result`,
      { lease_id: claimed.body.jobs[0].lease_id, result: { pairs: [], scanned: 0 } },
      token,
    );
    assert.equal(late.status, 401);
    const workerRow = (await s.api('GET', '/api/workers')).body.items.find((x: any) => x.id === wid);
    assert.equal(workerRow.state, 'offline');
    assert.equal(workerRow.offline_reason, 'worker token revoked');
  });
});
