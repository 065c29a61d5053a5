// Issue 3, point 3 on the real path: the watcher refreshing missions against the AgentCeption fake through the
// real bridges, auto-writeback to the PhiOS mcp-stdio fake once per distinct outcome (a duplicate outcome is
// skipped), and a restart on the same data dir picking up a watched mission where it was left.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../helpers/server';
import { startFakeAgentception, type FakeAgentception } from '../fakes/agentception';
import { phiosMcpEnv } from '../fakes/phios-mcp-command';
import { API, acEnv, getRun, json, post, timeline, until } from './missions-real-helpers';

const MISSION = { repo: 'acme/watched', mission_title: 'Watch me', objective: 'Finish in the background', acceptance_criteria: ['it ends'] };
const stored = (file: string, runId: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((d) => d.run_id === runId) : []);

describe('watcher + auto-writeback through the real bridges', () => {
  let tmp: string;
  let store: string;
  let ac: FakeAgentception;
  let env: Record<string, string>;
  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'agentora-real-watch-'));
    store = path.join(tmp, 'phios-store.jsonl');
    ac = await startFakeAgentception();
    env = {
      ...acEnv(ac),
      ...phiosMcpEnv({ PHIOS_MCP_PROFILE: 'operator', FAKE_PHIOS_STORE: store }),
      AGENTORA_MISSIONS_WATCHER_ENABLED: 'true',
      AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1',
      AGENTORA_MISSIONS_AUTO_WRITEBACK: 'true',
      // long enough that the test sees the queued outcome and reverts it before the debounce lets it be written
      AGENTORA_MISSIONS_WRITEBACK_DEBOUNCE_SECONDS: '3',
    };
  });
  after(async () => {
    await ac?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('auto-refresh to terminal; one writeback per distinct outcome, the duplicate skipped; then unwatched', async () => {
    const s = await startServer(env);
    try {
      const l = await json(post(s, '/runs/launch', { ...MISSION, issue_number: 100 }));
      assert.equal(l.ok, true, JSON.stringify(l));
      assert.equal(l.run.watched, true);
      const id = l.run_id;
      await until('refreshed by the watcher', async () => (await getRun(s, id)).last_refreshed_at);

      // outcome 1: blocked (an outcome worth writing, not terminal) → written at once (no earlier auto writeback)
      ac.advance('issue-100', 'blocked');
      await until('blocked + written', async () => {
        const r = await getRun(s, id);
        return r.status === 'blocked' && r.writeback_status === 'succeeded' && r;
      });
      const blocked = await getRun(s, id);
      assert.equal(blocked.terminal, false);
      assert.equal(blocked.watched, true, 'blocked stays watched');
      assert.equal(stored(store, 'issue-100').length, 1);
      assert.equal(stored(store, 'issue-100')[0].recommendation.outcome_status, 'blocked');

      // a different outcome (one more file) is queued, then the outcome goes back to the one already written before
      // the debounce lets the queued writeback run: it is skipped as a duplicate, PhiOS is not called
      const run = ac.runs.get('issue-100')!;
      run.files_written.push({ timestamp: new Date().toISOString(), path: 'docs/tmp.md', diff: '+ tmp', lines_omitted: 0 });
      await until('new outcome queued', async () => (await getRun(s, id)).writeback_status === 'pending');
      run.files_written.pop();
      await until('duplicate skipped', async () => (await timeline(s, id)).some((e) => e.type === 'writeback_skipped'));
      assert.equal(stored(store, 'issue-100').length, 1, 'the duplicate outcome was not stored again');

      // outcome 2: finished → refreshed to terminal by the watcher, written once (after the debounce), unwatched
      ac.finish('issue-100', { summary: 'watched to the end' });
      const done = await until('terminal + written', async () => {
        const r = await getRun(s, id);
        return r.terminal && r.writeback_status === 'succeeded' && stored(store, 'issue-100').length === 2 && r;
      }, 15000);
      assert.equal(done.status, 'succeeded');
      assert.equal(done.summary, 'watched to the end');
      assert.equal(done.pr_url, 'https://github.com/acme/watched/pull/1100');
      assert.equal(done.watched, false);
      const last = stored(store, 'issue-100')[1];
      assert.equal(last.outcome, 'watched to the end');
      assert.deepEqual(last.tags, ['auto']);
      const types = (await timeline(s, id)).map((e) => e.type);
      assert.equal(types.filter((t) => t === 'writeback_succeeded').length, 2);
      assert.equal(types.filter((t) => t === 'writeback_skipped').length, 1);
      assert.ok(types.includes('watch_stopped'));

      // no longer polled: a few more watcher cycles read nothing more of this run
      const reads = run.contextReads;
      const cycles = (await json(s.fetch(`${API}/metrics`))).watcher.cycles;
      await until('3 more cycles', async () => (await json(s.fetch(`${API}/metrics`))).watcher.cycles >= cycles + 3);
      assert.equal(run.contextReads, reads);
      assert.equal(stored(store, 'issue-100').length, 2, 'still written exactly once per distinct outcome');
      const ev = await json(s.fetch(`${API}/watcher/events?limit=200`));
      assert.ok(ev.events.some((e: any) => e.run_id === id && e.kind === 'auto_writeback'));
      assert.ok(ev.events.some((e: any) => e.run_id === id && e.kind === 'writeback_skipped'));
      assert.ok(ev.events.some((e: any) => e.run_id === id && e.kind === 'stopped_watching'));
    } finally {
      await s.stop();
    }
  });

  test('auto-writeback refused by PhiOS (default capabilities): one failure with the fix, not retried every cycle', async () => {
    const s = await startServer({ ...env, ...phiosMcpEnv({ FAKE_PHIOS_STORE: store }), AGENTORA_MISSIONS_WRITEBACK_DEBOUNCE_SECONDS: '0' });
    try {
      const l = await json(post(s, '/runs/launch', { ...MISSION, mission_title: 'Denied', issue_number: 150 }));
      assert.equal(l.ok, true);
      ac.finish('issue-150');
      const r = await until('writeback failed', async () => {
        const x = await getRun(s, l.run_id);
        return x.writeback_status === 'failed' && x;
      });
      assert.equal(r.status, 'succeeded');
      assert.match(r.last_error, /AGENT_MEMORY_WRITE_NOT_PERMITTED/);
      assert.match(r.fix_hint, /PHIOS_MCP_PROFILE=operator/);
      const cycles = (await json(s.fetch(`${API}/metrics`))).watcher.cycles;
      await until('3 more cycles', async () => (await json(s.fetch(`${API}/metrics`))).watcher.cycles >= cycles + 3);
      assert.equal((await timeline(s, l.run_id)).filter((e) => e.type === 'writeback_failed').length, 1);
      assert.equal(stored(store, 'issue-150').length, 0);
    } finally {
      await s.stop();
    }
  });

  test('a restart on the same data dir: the watched mission finishes and is written back after it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'agentora-real-restart-'));
    try {
      const s1 = await startServer(env, 15000, { dataDir });
      let id: string;
      try {
        const l = await json(post(s1, '/runs/launch', { ...MISSION, mission_title: 'Survive a restart', issue_number: 200 }));
        assert.equal(l.ok, true);
        id = l.run_id;
        await until('refreshed once', async () => (await getRun(s1, id)).last_refreshed_at);
      } finally {
        await s1.stop();
      }
      // while Agentora is down the run finishes upstream
      ac.finish('issue-200', { summary: 'finished while Agentora was down' });
      const s2 = await startServer(env, 15000, { dataDir });
      try {
        const done = await until('terminal + written after restart', async () => {
          const r = await getRun(s2, id);
          return r.terminal && r.writeback_status === 'succeeded' && r;
        }, 15000);
        assert.equal(done.status, 'succeeded');
        assert.equal(done.summary, 'finished while Agentora was down');
        assert.equal(done.watched, false);
        assert.equal(stored(store, 'issue-200').length, 1);
        const tl = await timeline(s2, id);
        assert.equal(tl.filter((e) => e.type === 'launched').length, 1, 'not relaunched');
      } finally {
        await s2.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('watcher against an AgentCeption that goes away', () => {
  test('errors are recorded once with backoff, the server stays healthy, and the mission finishes when it is back', async () => {
    const ac = await startFakeAgentception();
    const s = await startServer({
      ...acEnv(ac, { AGENTORA_AGENTCEPTION_RETRIES: '0' }),
      ...phiosMcpEnv(),
      AGENTORA_MISSIONS_WATCHER_ENABLED: 'true',
      AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.05',
    });
    try {
      const l = await json(post(s, '/runs/launch', { ...MISSION, mission_title: 'Outage', issue_number: 300 }));
      assert.equal(l.ok, true);
      const id = l.run_id;
      await ac.setMode('down');
      const failing = await until('refresh failures counted', async () => {
        const r = await getRun(s, id);
        return r.last_error && r;
      });
      assert.match(failing.last_error, /ECONNREFUSED/);
      assert.match(failing.fix_hint, /AGENTORA_AGENTCEPTION_URL/);
      assert.equal(failing.status, 'running');
      assert.equal(failing.watched, true);
      // a few more cycles: backoff (interval × 2^failures) keeps it from being hammered, one timeline entry only
      const cycles = (await json(s.fetch(`${API}/metrics`))).watcher.cycles;
      await until('more cycles', async () => (await json(s.fetch(`${API}/metrics`))).watcher.cycles >= cycles + 8);
      const tl = await timeline(s, id);
      assert.equal(tl.filter((e) => e.type === 'refresh_failed').length, 1, 'the same error is not re-logged every cycle');
      const ev = await json(s.fetch(`${API}/watcher/events?limit=200`));
      const failures = ev.events.filter((e: any) => e.run_id === id && e.kind === 'refresh_failed').length;
      assert.ok(failures >= 1 && failures <= 6, `backed off (${failures} failed refreshes in 8+ cycles)`);
      assert.equal((await s.fetch('/api/health', { auth: false })).status, 200);

      ac.finish('issue-300');
      await ac.setMode('normal');
      const done = await until('terminal after the outage', async () => {
        const r = await getRun(s, id);
        return r.terminal && r;
      }, 15000);
      assert.equal(done.status, 'succeeded');
      assert.equal(done.last_error, null);
      assert.ok((await timeline(s, id)).some((e) => e.type === 'error_cleared'));
    } finally {
      await s.stop();
      await ac.stop();
    }
  });
});
