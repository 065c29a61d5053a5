// The mission loop and the watcher as services (in process, temp SQLite, stub bridges): upstream failures become
// mission errors, dry runs never call AgentCeption, the watcher is bounded and never overlaps, auto-writeback
// happens once per distinct outcome (debounced, duplicates skipped), and state survives a "restart".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UpstreamError } from '../../server/src/bridges/missions/types';
import { runWatcherCycle } from '../../server/src/services/missions/watcher';
import { makeCtx, PREPARE } from './missions-context';

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('prepare stores the packet with an Agentora session id; launch, refresh to the end, write back', async () => {
  const t = makeCtx();
  try {
    const p = await t.call('agentora/missions/prepare', PREPARE);
    assert.match(p.run.session_id, /^ses_/);
    assert.equal(p.context_packet.session_id, p.run.session_id);
    assert.equal(p.run.status, 'prepared');
    const l = await t.call('agentora/missions/launch', { run_id: p.run_id, acceptance_criteria: ['a regression test exists'] });
    assert.equal(l.ok, true);
    assert.equal(l.run.status, 'queued');
    assert.match(l.run.brief_markdown, /- \[ \] a regression test exists/);
    assert.equal((l.run.launch_request as any).body.issue_body, l.run.brief_markdown, 'the brief goes into issue_body');
    let r;
    for (let i = 0; i < 5; i++) r = await t.call('agentora/missions/refresh', { run_id: p.run_id });
    assert.equal(r.run.status, 'succeeded');
    assert.equal(r.run.watched, false, 'terminal missions are no longer watched');
    assert.match(r.run.pr_url, /^https:\/\/agentception\.mock\.invalid\/acme\/widgets\/pull\/\d+$/);
    assert.equal(r.run.artifacts.length, 2);
    const w = await t.call('agentora/missions/writeback', { run_id: p.run_id, operator_notes: 'good', tags: ['x'] });
    assert.equal(w.ok, true);
    assert.equal(w.run.writeback_status, 'succeeded');
    const names = t.notifications.map((n) => n.name);
    assert.ok(names.includes('agentora/missions/didChange'));
    assert.equal(t.notifications.filter((n) => n.name === 'agentora/missions/didFinish').length, 1);
    const again = await t.call('agentora/missions/launch', { run_id: p.run_id }).catch((e) => e);
    assert.equal(again.kind, 'conflict');
  } finally {
    t.close();
  }
});

test('a dry run never calls AgentCeption and records what it would send', async () => {
  const t = makeCtx();
  try {
    const l = await t.call('agentora/missions/launch', { ...PREPARE, dry_run: true, acceptance_criteria: ['x'] });
    assert.equal(t.calls.launch, 0);
    assert.equal(l.run.status, 'dry_run');
    assert.equal(l.run.job_id, null);
    assert.equal(l.run.launch_request.route, 'POST /api/dispatch/issue');
    assert.match(l.run.launch_request.body.issue_body, /## Objective/);
    const tl = await t.call('agentora/missions/timeline', { run_id: l.run_id });
    assert.ok(tl.events.some((e: any) => e.type === 'dry_run_recorded'));
    // A dry-run mission can then be launched for real.
    const real = await t.call('agentora/missions/launch', { run_id: l.run_id });
    assert.equal(real.run.status, 'queued');
    assert.equal(t.calls.launch, 1);
  } finally {
    t.close();
  }
});

test('upstream failures become errors on the mission with a fix and a timeline event, never a lost run', async () => {
  const t = makeCtx();
  try {
    t.setBridges(
      {},
      {
        launch: async () => {
          throw new UpstreamError(
            'agentception',
            'refused',
            'connection refused at http://127.0.0.1:1',
            'Start AgentCeption or fix AGENTORA_AGENTCEPTION_URL.',
          );
        },
      },
    );
    const l = await t.call('agentora/missions/launch', PREPARE);
    assert.equal(l.ok, false);
    assert.equal(l.run.status, 'launch_failed');
    assert.match(l.run.last_error, /agentception: connection refused/);
    assert.equal(l.fix_hint, 'Start AgentCeption or fix AGENTORA_AGENTCEPTION_URL.');
    const tl = await t.call('agentora/missions/timeline', { run_id: l.run_id });
    assert.ok(tl.events.some((e: any) => e.type === 'launch_failed' && e.data.fix_hint));
    // Retry once the service is back.
    t.setBridges({}, {});
    const ok = await t.call('agentora/missions/launch', { run_id: l.run_id });
    assert.equal(ok.ok, true);
    assert.equal(ok.run.last_error, null);
    // Refresh failures: recorded once, counted, then cleared when AgentCeption answers again.
    t.setBridges(
      {},
      {
        status: async () => {
          throw new UpstreamError('agentception', 'timeout', 'no answer in 45 s', 'Check AgentCeption.');
        },
      },
    );
    const f1 = await t.call('agentora/missions/refresh', { run_id: l.run_id });
    const f2 = await t.call('agentora/missions/refresh', { run_id: l.run_id });
    assert.equal(f1.ok, false);
    assert.equal(f2.run.last_error, 'agentception: no answer in 45 s');
    const tl2 = await t.call('agentora/missions/timeline', { run_id: l.run_id });
    assert.equal(tl2.events.filter((e: any) => e.type === 'refresh_failed').length, 1);
    t.setBridges({}, {});
    const back = await t.call('agentora/missions/refresh', { run_id: l.run_id });
    assert.equal(back.ok, true);
    assert.equal(back.run.last_error, null);
    // PhiOS capability denied on writeback: a failed writeback with the fix.
    t.setBridges(
      {
        writeback: async () => ({
          ok: false,
          ref: null,
          error_code: 'AGENT_MEMORY_WRITE_NOT_PERMITTED',
          message: 'agent_memory_write is off',
          fix_hint: 'Start phi-mcp with PHIOS_MCP_PROFILE=operator',
        }),
      },
      {},
    );
    const w = await t.call('agentora/missions/writeback', { run_id: l.run_id });
    assert.equal(w.ok, false);
    assert.equal(w.run.writeback_status, 'failed');
    assert.equal(w.writeback.error_code, 'AGENT_MEMORY_WRITE_NOT_PERMITTED');
    assert.equal(w.run.fix_hint, 'Start phi-mcp with PHIOS_MCP_PROFILE=operator');
    // PhiOS unreachable at prepare: a clear 503 with the fix, nothing stored.
    t.setBridges(
      {
        contextPack: async () => {
          throw new UpstreamError('phios', 'refused', 'phi-mcp not found', 'Install PhiOS.');
        },
      },
      {},
    );
    const before = (await t.call('agentora/missions/list', {})).total;
    const e = await t.call('agentora/missions/prepare', PREPARE).catch((x) => x);
    assert.equal(e.kind, 'unavailable');
    assert.equal(e.fixHint, 'Install PhiOS.');
    assert.equal((await t.call('agentora/missions/list', {})).total, before);
  } finally {
    t.close();
  }
});

test('watcher: bounded concurrency, no overlapping cycles, stops watching terminal missions', async () => {
  const t = makeCtx({ AGENTORA_MISSIONS_WATCHER_MAX_ACTIVE_RUNS: '3' });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await t.call('agentora/missions/launch', { ...PREPARE, mission_title: `m${i}` })).run_id);
    const [a, b] = [runWatcherCycle(t.ctx), runWatcherCycle(t.ctx)];
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.refreshed, 10);
    assert.equal(rb.due, 0, 'a second cycle started meanwhile does nothing');
    assert.ok(t.calls.maxInFlight <= 3, `at most 3 refreshes at once (saw ${t.calls.maxInFlight})`);
    for (let i = 0; i < 4; i++) await runWatcherCycle(t.ctx);
    const list = await t.call('agentora/missions/list', { status: 'succeeded' });
    assert.equal(list.total, 10);
    assert.equal((await t.call('agentora/missions/list', { watched: true })).total, 0);
    const before = t.calls.status;
    await runWatcherCycle(t.ctx);
    assert.equal(t.calls.status, before, 'finished missions are not refreshed any more');
    const ev = await t.call('agentora/missions/watcherEvents', { limit: 100 });
    assert.ok(ev.events.some((e: any) => e.kind === 'stopped_watching'));
    assert.ok(ev.events.some((e: any) => e.kind === 'cycle'));
    const m = await t.call('agentora/missions/metrics', {});
    assert.ok(m.watcher.skipped_overlaps >= 1);
  } finally {
    t.close();
  }
});

test('auto-writeback: once per distinct outcome, debounced, duplicates skipped and recorded', async () => {
  const t = makeCtx({ AGENTORA_MISSIONS_AUTO_WRITEBACK: 'true', AGENTORA_MISSIONS_WRITEBACK_DEBOUNCE_SECONDS: '0.4' });
  try {
    // mock:block passes through `blocked` (an outcome worth writing) before it succeeds (a second outcome).
    const l = await t.call('agentora/missions/launch', { ...PREPARE, constraints: ['mock:block'] });
    const id = l.run_id;
    const writebacks = () =>
      t.ctx.db.prepare('SELECT status, trigger, created_at, outcome_hash FROM mission_writebacks WHERE mission_id = ? ORDER BY id').all(id) as any[];
    await until(
      'blocked',
      async () => (await runWatcherCycle(t.ctx), (await t.call('agentora/missions/get', { run_id: id })).run.status === 'blocked'),
    );
    await runWatcherCycle(t.ctx);
    assert.equal(writebacks().filter((w) => w.status === 'succeeded').length, 1, 'the blocked outcome is written back');
    const first = Date.parse(writebacks()[0].created_at);
    await until(
      'succeeded',
      async () => (await runWatcherCycle(t.ctx), (await t.call('agentora/missions/get', { run_id: id })).run.status === 'succeeded'),
    );
    assert.equal(writebacks().filter((w) => w.status === 'succeeded').length, 1, 'the new outcome waits for the debounce window');
    assert.equal((await t.call('agentora/missions/get', { run_id: id })).run.writeback_status, 'pending');
    await until('second writeback', async () => (await runWatcherCycle(t.ctx), writebacks().filter((w) => w.status === 'succeeded').length === 2));
    const second = Date.parse(writebacks()[1].created_at);
    assert.ok(second - first >= 400, `debounced: ${second - first} ms apart`);
    for (let i = 0; i < 3; i++) await runWatcherCycle(t.ctx);
    assert.equal(writebacks().length, 2, 'an unchanged outcome is not written again');
    // A duplicate outcome that becomes pending again (e.g. queued before a crash) is skipped and recorded.
    t.ctx.db.prepare("UPDATE missions SET writeback_status = 'pending', last_auto_writeback_at = NULL WHERE id = ?").run(id);
    await runWatcherCycle(t.ctx);
    const all = writebacks();
    assert.equal(all.length, 3);
    assert.equal(all[2].status, 'skipped');
    assert.equal(all[2].outcome_hash, all[1].outcome_hash);
    assert.equal(t.calls.writeback, 2, 'PhiOS was called twice in all');
    const tl = await t.call('agentora/missions/timeline', { run_id: id });
    assert.ok(tl.events.some((e: any) => e.type === 'writeback_skipped'));
  } finally {
    t.close();
  }
});

test('watched missions and pending writebacks survive a restart (state is in SQLite)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-missions-restart-'));
  const env = { AGENTORA_MISSIONS_AUTO_WRITEBACK: 'true', AGENTORA_MISSIONS_WRITEBACK_DEBOUNCE_SECONDS: '0' };
  const one = makeCtx(env, dir);
  const id = (await one.call('agentora/missions/launch', PREPARE)).run_id;
  await runWatcherCycle(one.ctx);
  const cursor = (one.ctx.db.prepare('SELECT job_event_cursor AS c FROM missions WHERE id = ?').get(id) as { c: number }).c;
  assert.ok(cursor > 0);
  one.close();
  const two = makeCtx(env, dir);
  try {
    await until(
      'finished after restart',
      async () => (await runWatcherCycle(two.ctx), (await two.call('agentora/missions/get', { run_id: id })).run.status === 'succeeded'),
    );
    await runWatcherCycle(two.ctx);
    const run = (await two.call('agentora/missions/get', { run_id: id })).run;
    assert.equal(run.writeback_status, 'succeeded');
    const tl = await two.call('agentora/missions/timeline', { run_id: id });
    const ids = tl.events.filter((e: any) => e.type === 'job_event').map((e: any) => e.data.job_event_id);
    assert.deepEqual(ids, [...new Set(ids)], 'no upstream event is recorded twice across the restart');
  } finally {
    two.close();
  }
});

test('label mode, a javascript: PR URL from upstream is not kept, and unwatch/watch are timeline events', async () => {
  const t = makeCtx();
  try {
    const bad = await t.call('agentora/missions/launch', { ...PREPARE, mode: 'label' }).catch((e) => e);
    assert.equal(bad.kind, 'bad_request');
    assert.ok(bad.issues.some((i: any) => i.path === 'label'));
    const dry = await t.call('agentora/missions/launch', { ...PREPARE, mode: 'label', label: 'agentora', dry_run: true });
    assert.match(dry.run.launch_request.route, /dispatch\/label/);
    assert.equal(dry.run.launch_request.body.label, 'agentora');
    const ac = (await import('../../server/src/bridges/missions/mock')).createMockAgentception();
    t.setBridges({}, { status: async (id, o) => ({ ...(await ac.status(id, o)), pr_url: 'javascript:alert(1)' }) });
    const l = await t.call('agentora/missions/launch', PREPARE);
    await t.call('agentora/missions/unwatch', { run_id: l.run_id });
    await t.call('agentora/missions/watch', { run_id: l.run_id });
    const r = await t.call('agentora/missions/refresh', { run_id: l.run_id });
    assert.equal(r.run.pr_url, null);
    const types = (await t.call('agentora/missions/timeline', { run_id: l.run_id })).events.map((e: any) => e.type);
    assert.ok(types.filter((x: string) => x === 'watch_stopped').length >= 1 && types.filter((x: string) => x === 'watch_started').length >= 2);
  } finally {
    t.close();
  }
});
