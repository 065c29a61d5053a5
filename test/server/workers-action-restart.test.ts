// A server killed (kill -9) while a real `agentora worker` runs an action job: after the restart the action is
// not marked interrupted; the worker finishes, reports under its idempotency key, and the action shows its real
// outcome, recorded exactly once (one execution row, one `executed` audit event). The action waits on a file the
// test creates after the restart, so it is surely still running across the restart (no timing involved).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FAST, freePort, removeDir, serve, startWorker, tempDir, until, type Srv, type WorkerProc } from './workers-helpers';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('workers: an action job across a server restart', () => {
  test('kill -9 the server while the worker runs the action → restart → the late result lands on the action, once', async () => {
    const dir = tempDir();
    const box = realpathSync(tempDir());
    const port = await freePort();
    // heartbeats every second (live = heard within 2 s): steady on a loaded machine
    const timing = { ...FAST, AGENTORA_WORKER_LEASE_SECONDS: '3', AGENTORA_WORKER_HEARTBEAT_SECONDS: '1' };
    const env = { ...timing, AGENTORA_USE_MOCK_OLLAMA: 'true', AGENTORA_ALLOWED_PATH_ROOTS: box, AGENTORA_ALLOWED_APPS: 'sh' };
    let s: Srv = await serve(dir, port, env);
    const procs: WorkerProc[] = [];
    cleanup.push(async () => {
      writeFileSync(path.join(box, 'go'), ''); // let a still-waiting command end
      for (const w of procs) await w.kill();
      await s.stop('SIGKILL');
      removeDir(dir);
      removeDir(box);
    });
    const created = await s.api('POST', '/api/workers/tokens', { name: 'desk' });
    await s.api('PUT', `/api/workers/tokens/${created.body.id}/actions`, { allowed_actions: ['desktop_run_app'] });
    const worker = startWorker(
      s.url,
      created.body.token,
      'http://127.0.0.1:9',
      ['--capabilities', 'model_chat', '--allow-actions', 'desktop_run_app'],
      'desk',
      {
        env: { AGENTORA_ALLOWED_PATH_ROOTS: box, AGENTORA_ALLOWED_APPS: 'sh', AGENTORA_DATA_DIR: path.join(dir, 'worker-data') },
      },
    );
    procs.push(worker);
    await worker.waitFor(/registered as worker #\d+ \(capabilities model_chat,action/);
    await until('the worker is live', async () =>
      (await s.api('GET', '/api/workers')).body.items.some((w: any) => w.name === 'desk' && w.state === 'live'),
    );

    const script = 'while [ ! -f go ]; do sleep 0.05; done; echo late-outcome';
    const p = await s.api('POST', '/api/actions', {
      run_id: 'r-restart',
      agent_id: 'a',
      tool_name: 'desktop_run_app',
      params: { app: 'sh', args: ['-c', script], cwd: box },
      requested_worker: 'desk',
    });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    const id = p.body.id as number;
    // The approval answers when the outcome is recorded: this process dies first, so its answer never comes.
    void s.api('POST', `/api/actions/${id}/approve`, { reason: 'ok' }).catch(() => undefined);
    let seen: unknown;
    const job = await until('the worker started the action', async () => {
      const items = (await s.api('GET', '/api/workers/jobs?limit=50')).body.items as any[];
      const j = items.find((x) => x.ref === `action:${id}`);
      seen = { job: j, action: (await s.api('GET', `/api/actions/${id}`)).body, worker: worker.out() };
      return j?.state === 'leased' && j.started_at && j;
    }).catch((e: Error) => assert.fail(`${e.message}: ${JSON.stringify(seen)}`));
    assert.ok(Date.parse(job.started_at) >= Date.parse(job.claimed_at), JSON.stringify(job));

    await s.stop('SIGKILL');
    s = await serve(dir, port, env);
    const during = (await s.api('GET', `/api/actions/${id}`)).body;
    assert.equal(during.status, 'executing', `not interrupted: the worker still runs it (${JSON.stringify(during)})`);

    writeFileSync(path.join(box, 'go'), '');
    const done = await until('the real outcome on the action', async () => {
      const a = (await s.api('GET', `/api/actions/${id}`)).body;
      return a.status !== 'executing' && a;
    });
    assert.equal(done.status, 'executed', JSON.stringify(done));
    assert.match(JSON.stringify(done.result), /late-outcome/);
    const j = (await s.api('GET', `/api/workers/jobs/${job.id}`)).body.job;
    assert.equal(j.status, 'succeeded');
    assert.equal(j.ran_on, 'worker:desk');
    assert.equal(j.retries, 0, 'ran once');

    // exactly once: one execution row, one `executed` event, after the `resumed` note of the restart
    const h = (await s.api('GET', '/api/actions/history?limit=200')).body;
    const execs = (h.executions as any[]).filter((e) => e.action_id === id);
    assert.equal(execs.length, 1, JSON.stringify(execs));
    assert.equal(execs[0].ok, true);
    const events = (h.approval_history as any[]).filter((e) => e.action_id === id).map((e) => e.event);
    assert.ok(events.includes('resumed'), events.join(','));
    assert.equal(events.filter((e) => e === 'executed').length, 1, events.join(','));
    assert.ok(!events.includes('interrupted'), events.join(','));
  });
});
