// kill -9 at a random step, five times: the restarted server resumes each run at its current step and the run
// finishes with every step executed exactly once — each action exactly once in the actions queue (asked by its
// idempotency key, never proposed again), each model step recorded once (a call cut off by the kill is the only
// one ever asked twice, and the fake saw it hang up).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { client, until } from './workflows-helpers';

describe('workflow runs survive kill -9', () => {
  let fake: FakeOllama;
  let srv: TestServer;
  let ws: string;
  let dataDir: string;
  const { post, run, status } = client(() => srv);
  const env = () => ({
    AGENTORA_USE_MOCK_OLLAMA: 'false',
    AGENTORA_OLLAMA_URL: fake.url,
    AGENTORA_ALLOWED_PATH_ROOTS: ws,
    AGENTORA_ACTION_TOOL_DEFAULTS: 'desktop_write_text=auto_allow',
  });
  before(async () => {
    ws = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-wf-crash-ws-')));
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-wf-crash-data-'));
    fake = await startFakeOllama(undefined, { chatDelayMs: 150, chat: (body) => `out(${body.messages.at(-1)!.content})` });
  });
  after(async () => {
    if (srv && srv.proc.exitCode === null) await srv.stop();
    await fake.close();
    rmSync(ws, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('five kills at random steps; every run finishes with each step executed exactly once', async () => {
    srv = await startServer(env(), 15000, { dataDir });
    const steps = [1, 2, 3].flatMap((j) => [
      { name: `think${j}`, step_type: 'model_call', params: { prompt: `{{inputs.tag}} think ${j}` } },
      {
        name: `save${j}`,
        step_type: 'action',
        tool_name: 'desktop_write_text',
        params: { path: `${ws}/{{inputs.tag}}-${j}.txt`, content: `{{steps.think${j}.output}}` },
      },
    ]);
    const wf = (await post('/api/workflows', { name: 'crashy', params_schema: { type: 'object', properties: { tag: { type: 'string' } } }, steps }))
      .body.item;
    const kills: number[] = [];
    let resumed = 0;
    for (let i = 0; i < 5; i++) {
      const tag = `iter${i}`;
      const id = (await post(`/api/workflows/${wf.id}/run`, { inputs: { tag } })).body.item.id;
      const at = 1 + Math.floor(Math.random() * 6);
      kills.push(at);
      await until(`run ${id} at step ${at}`, async () => {
        const r = await run(id);
        return (r.run.current_position ?? 99) >= at || r.run.status === 'completed';
      });
      const exited = new Promise((r) => srv.proc.once('exit', r));
      srv.proc.kill('SIGKILL');
      await exited;
      srv = await startServer(env(), 15000, { dataDir });
      const done = await status(id, 'completed', 'failed');
      assert.equal(done.run.status, 'completed', `kill at step ${at}: ${done.run.error}`);
      assert.deepEqual(
        done.steps.map((s: any) => s.status),
        ['done', 'done', 'done', 'done', 'done', 'done'],
      );
      // Actions: each action step executed exactly once; the files hold the model's outputs. A write the kill
      // interrupted is asked about (never blindly re-run); an overwriting write is idempotent, so it is proposed
      // once more as a new attempt — the interrupted item stays in the history as interrupted.
      const writes = done.requests.filter((r: any) => r.tool_name === 'desktop_write_text');
      const seen = JSON.stringify(writes.map((w: any) => [w.subgoal_id, w.status]));
      for (const j of [1, 2, 3]) {
        const mine = writes.filter((w: any) => w.subgoal_id.startsWith(`act:${id}:${2 * j}:`));
        // (or the interrupted write had completed: recovery saw the file hold the content, the step took that)
        const recovered = done.steps[2 * j - 1].output?.recovered === true ? 1 : 0;
        assert.equal(mine.filter((w: any) => w.status === 'executed').length + recovered, 1, `kill at step ${at}: ${seen}`);
        assert.ok(
          mine.every((w: any) => w.status === 'executed' || w.status === 'interrupted'),
          seen,
        );
        assert.equal(mine.length - 1, done.events.filter((e: any) => e.event_type === 'step_redo' && e.position === 2 * j).length, seen);
        assert.equal(readFileSync(path.join(ws, `${tag}-${j}.txt`), 'utf8'), done.steps[2 * j - 2].output);
      }
      // Every step completed (was recorded) exactly once. A model call has no side effect: the one the kill
      // cut off is asked again after the restart, so it may have been asked twice — never more.
      for (let pos = 1; pos <= 6; pos++)
        assert.equal(done.events.filter((e: any) => e.event_type === 'step_done' && e.position === pos).length, 1, `step ${pos} completed once`);
      for (const j of [1, 2, 3]) {
        const calls = fake.chats.filter((c) => c.messages.at(-1)?.content === `${tag} think ${j}`);
        assert.ok(calls.length >= 1 && calls.length <= 2, `${tag} think ${j}: ${calls.length} calls`);
      }
      // A run that finished in the instant before the kill (likely when the kill aims at the last, quick step)
      // has nothing to resume; the others must have been resumed by the restarted server.
      if (done.events.some((e: any) => e.event_type === 'resumed_after_restart')) resumed++;
    }
    assert.equal(kills.length, 5);
    assert.ok(resumed >= 1, `at least one run was resumed after a kill (kills at ${kills.join(', ')})`);
  });
});
