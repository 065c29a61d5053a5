// Restarts and chaos: the server killed (kill -9) while workers hold leases loses and doubles nothing; many jobs
// through two workers that are killed and restarted at random each finish exactly once.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { FAST, freePort, removeDir, serve, startWorker, tempDir, until, type Srv, type WorkerProc } from './workers-helpers';

const lastUser = (b: { messages: { role: string; content: string }[] }) => b.messages.at(-1)!.content;
const calls = (f: FakeOllama, marker: string) => f.chats.filter((c) => c.messages.at(-1)?.content === marker).length;
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('workers: restarts and chaos', () => {
  test('server kill -9 with leased jobs: after the restart the worker reports them; nothing lost or doubled', async () => {
    const local = await startFakeOllama(undefined, { chat: (b) => `local says ${lastUser(b)}` });
    const remote = await startFakeOllama(undefined, { chat: (b) => `worker says ${lastUser(b)}`, chatDelayMs: 1500 });
    const dir = tempDir();
    const port = await freePort();
    const env = { ...FAST, AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: local.url };
    let s: Srv = await serve(dir, port, env);
    const workers: WorkerProc[] = [];
    cleanup.push(async () => {
      for (const w of workers) await w.kill();
      await s.stop('SIGKILL');
      await local.close();
      await remote.close();
      removeDir(dir);
    });
    const token = (await s.api('POST', '/api/workers/tokens', { name: 'steady' })).body.token;
    const w = startWorker(s.url, token, remote.url, ['--capabilities', 'model_chat', '--concurrency', '3'], 'steady');
    workers.push(w);
    await w.waitFor(/registered as worker #(\d+)/);
    const ids: number[] = [];
    for (const m of ['r-1', 'r-2', 'r-3'])
      ids.push(
        (await s.api('POST', '/api/workers/dispatch', { job_type: 'model_chat', payload: { messages: [{ role: 'user', content: m }] } })).body.job.id,
      );
    await until('all three running on the worker', () => ['r-1', 'r-2', 'r-3'].every((m) => calls(remote, m) === 1));
    await s.stop('SIGKILL');
    s = await serve(dir, port, env);
    const done = await until('all three reported after the restart', async () => {
      const jobs = await Promise.all(ids.map(async (id) => (await s.api('GET', `/api/workers/jobs/${id}`)).body.job));
      return jobs.every((j) => j.status === 'succeeded') && jobs;
    });
    for (const [i, j] of done.entries()) {
      assert.equal(j.ran_on, 'worker:steady', JSON.stringify(j));
      assert.equal(JSON.parse(j.result_json).content, `worker says r-${i + 1}`);
    }
    for (const m of ['r-1', 'r-2', 'r-3']) {
      assert.equal(calls(remote, m), 1, `${m} ran once on the worker`);
      assert.equal(calls(local, m), 0, `${m} never ran here`);
    }
    // it stayed the same worker (its leases stayed its own)
    assert.equal(new Set([...w.out().matchAll(/registered as worker #(\d+)/g)].map((m) => m[1])).size, 1, w.out());
    assert.ok(!w.out().includes('now worker #'), w.out());
  });

  test('1,000 jobs through 2 workers killed and restarted at random: every job finishes exactly once', async () => {
    const N = 1000;
    const local = await startFakeOllama(undefined, { chat: (b) => `local says ${lastUser(b)}` });
    const remote = await startFakeOllama(undefined, { chat: (b) => `worker says ${lastUser(b)}`, chatDelayMs: 40 });
    const dir = tempDir();
    const s = await serve(dir, await freePort(), { ...FAST, AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: local.url });
    const all: WorkerProc[] = [];
    cleanup.push(async () => {
      for (const w of all) await w.kill();
      await s.stop();
      await local.close();
      await remote.close();
      removeDir(dir);
    });
    const token = (await s.api('POST', '/api/workers/tokens', { name: 'chaos' })).body.token;
    const live: WorkerProc[] = [];
    const spawnOne = async (name: string) => {
      const w = startWorker(s.url, token, remote.url, ['--capabilities', 'model_chat', '--concurrency', '4'], name);
      all.push(w);
      live.push(w);
      await w.waitFor(/registered as worker/);
    };
    await spawnOne('a');
    await spawnOne('b');
    const started = Date.now();
    const ids: number[] = [];
    for (let i = 0; i < N; i++) {
      const r = await s.api('POST', '/api/workers/dispatch', {
        job_type: 'model_chat',
        payload: { messages: [{ role: 'user', content: `c-${i}` }] },
      });
      assert.equal(r.status, 200);
      ids.push(r.body.job.id);
    }
    // Kill a random worker every ~700 ms (at least 4 kills) and start a fresh one, until the queue is done.
    let kills = 0;
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const unfinished = async () =>
      (await s.api('GET', '/api/workers/jobs?state=queued&limit=1')).body.total +
      (await s.api('GET', '/api/workers/jobs?state=leased&limit=1')).body.total;
    while (kills < 4 || (await unfinished()) > 0) {
      await until('a moment passes', () => Date.now() - started > (kills + 1) * 700);
      if (kills >= 12) break;
      const victim = live.splice(Math.floor(rand() * live.length), 1)[0]!;
      await victim.kill('SIGKILL');
      kills++;
      await spawnOne(`k${kills}`);
    }
    const jobs = await until(
      'every job finished',
      async () => {
        const items: any[] = [];
        for (let offset = 0; offset < N + 500; offset += 500)
          items.push(...(await s.api('GET', `/api/workers/jobs?limit=500&offset=${offset}`)).body.items.filter((j: any) => ids.includes(j.id)));
        return items.length === N && items.every((j: any) => j.state === 'succeeded') && items;
      },
      180000,
    );
    assert.equal(jobs.length, N);
    // Accepted results per job, from every worker's log (killed ones too) — plus local runs.
    const accepted = new Map<number, number>();
    for (const w of all)
      for (const m of w.out().matchAll(/job (\d+) \(model_chat\) done\n/g)) accepted.set(Number(m[1]), (accepted.get(Number(m[1])) ?? 0) + 1);
    let onWorkers = 0;
    for (const j of jobs) {
      const i = ids.indexOf(j.id);
      const n = accepted.get(j.id) ?? 0;
      assert.ok(n <= 1, `job ${j.id} accepted ${n} times`);
      if (j.ran_on === 'local') {
        assert.equal(n, 0, `job ${j.id} ran here and was also accepted from a worker`);
        assert.equal(JSON.parse(JSON.stringify(j.result)).content, `local says c-${i}`);
      } else {
        onWorkers++;
        assert.equal(j.result.content, `worker says c-${i}`);
      }
      assert.ok(calls(local, `c-${i}`) <= 1, `job ${j.id} ran here more than once`);
    }
    assert.ok(kills >= 4, `${kills} kills`);
    assert.ok(onWorkers > N / 2, `${onWorkers} of ${N} ran on workers`);
    console.log(`chaos: ${N} jobs, ${kills} worker kills, ${onWorkers} on workers, ${N - onWorkers} here, ${Date.now() - started} ms`);
  });
});
