// The live stream of a run (GET /api/runs/{id}/stream) on the real server with the mock model: clients that
// connect at different moments — right after the run is created, after its first step, while it waits for an
// approval (steps already done), after it ended — all receive the same events, each exactly once and in order,
// every committed step among them; a reconnect with Last-Event-ID gets exactly the rest. No client relies on
// being connected before anything happens.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { openSse, type SseEvent, type SseReader } from '../helpers/sse';

const TERMINAL = ['completed', 'stopped', 'failed', 'cancelled', 'interrupted'];
const live = (evs: SseEvent[]) => evs.filter((e) => e.event === 'agentora/runs/didChange');
const ended = (evs: SseEvent[]) => evs.some((e) => e.data.kind === 'status' && TERMINAL.includes(e.data.status));

describe('run stream: snapshot, replay of logged events, then live — each event once', () => {
  let srv: TestServer;
  const ws = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-runs-stream-')));
  const readers: SseReader[] = [];
  let runId = '';
  let all: SseEvent[] = [];
  const post = async (p: string, body: unknown = {}) => {
    const r = await srv.fetch(p, { method: 'POST', body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as any };
  };
  const open = async (p: string, headers: Record<string, string> = {}) => {
    const r = await openSse(srv, p, headers);
    readers.push(r);
    return r;
  };

  before(async () => {
    srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true', AGENTORA_ALLOWED_PATH_ROOTS: ws, AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false' });
  });
  after(async () => {
    for (const r of readers) await r.close();
    await srv.stop();
    rmSync(ws, { recursive: true, force: true });
  });

  test('clients connecting at any moment see every event exactly once, in order', async () => {
    const team = await post('/api/teams/templates/plan_execute_critique');
    assert.equal(team.status, 200, JSON.stringify(team.body));
    const created = await post('/api/runs', { team_id: team.body.id, prompt: 'write the summary to notes.txt', max_turns: 30, token_budget: 1e6 });
    runId = created.body.run_id;
    const url = `/api/runs/${runId}/stream`;
    const a = await open(url);
    // B connects once A has seen a committed step; C once the run waits for the operator (several steps done).
    await a.until('a first step', (evs) => evs.some((e) => e.data.kind === 'step'));
    const b = await open(url);
    await a.until('the approval wait', (evs) => evs.some((e) => e.data.kind === 'approval' && e.data.data?.state === 'waiting'));
    const c = await open(url);
    const actionId = a.events.find((e) => e.data.kind === 'approval')!.data.data.action_id;
    const ok = await post(`/api/actions/${actionId}/approve`, { reason: 'stream test' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    await a.until('the run to end', ended);
    const d = await open(url);
    await d.until('the replay to reach the end', ended);
    const snapshot = d.events[0]!;
    assert.equal(snapshot.event, 'agentora/runs/snapshot');
    assert.equal(snapshot.data.run.status, 'completed', JSON.stringify(snapshot.data.run));
    all = live(d.events);
    assert.equal(all.at(-1)!.id, snapshot.data.last_event_id, 'the replay reaches the last logged event');

    // Every reader: a snapshot first, then the same events as D (the whole log), ids strictly increasing.
    for (const [name, r] of [
      ['A (from the start)', a],
      ['B (after the first step)', b],
      ['C (while waiting, steps done)', c],
      ['D (after the end)', d],
    ] as const) {
      await r.until(`${name} to have every event`, (evs) => live(evs).length >= all.length);
      assert.equal(r.events[0]!.event, 'agentora/runs/snapshot', name);
      const got = live(r.events);
      assert.deepEqual(
        got.map((e) => e.id),
        all.map((e) => e.id),
        `${name}: event ids differ`,
      );
      assert.deepEqual(
        got.map((e) => e.data),
        all.map((e) => e.data),
        `${name}: events differ`,
      );
      for (let i = 1; i < got.length; i++) assert.ok(got[i]!.id! > got[i - 1]!.id!, `${name}: ids not increasing at ${i}`);
      assert.ok(
        got.every((e) => e.data.run_id === runId && e.data.seq === e.id),
        `${name}: another run's event, or an id that is not the event's seq`,
      );
    }
    // Every committed step of the run, numbered 1…N, exactly once and in order: step 1 is the plan (announced by
    // the `plan` event), each later one by a `step` event carrying its number. N is what the server stored.
    const stored = (await (await srv.fetch(`/api/analytics/runs/${runId}`)).json()) as { steps_by_kind: Record<string, number> };
    const n = Object.values(stored.steps_by_kind).reduce((x, y) => x + y, 0);
    const steps = all.filter((e) => e.data.kind === 'step' && e.data.data?.seq !== undefined).map((e) => e.data.data.seq);
    assert.ok(n >= 5, `only ${n} steps stored`);
    assert.deepEqual(
      steps,
      Array.from({ length: n - 1 }, (_x, i) => i + 2),
    );
    assert.ok(all.findIndex((e) => e.data.kind === 'plan') < all.findIndex((e) => e.data.kind === 'step'), 'the plan comes first');
    const kinds = new Set(all.map((e) => e.data.kind));
    for (const k of ['status', 'plan', 'subgoal', 'token', 'tool_call', 'approval', 'tool_result', 'step', 'handoff'])
      assert.ok(kinds.has(k), `no ${k}`);
    assert.deepEqual(
      all.filter((e) => e.data.kind === 'status').map((e) => e.data.status),
      ['queued', 'running', 'waiting_approval', 'running', 'completed'],
    );
  });

  test('a reconnect with Last-Event-ID (header or query) gets exactly the events after it', async () => {
    const mid = all[Math.floor(all.length / 2)]!.id!;
    const rest = all.filter((e) => e.id! > mid);
    for (const [how, p, headers] of [
      ['header', `/api/runs/${runId}/stream`, { 'Last-Event-ID': String(mid) }],
      ['query', `/api/runs/${runId}/stream?last_event_id=${mid}`, {}],
    ] as const) {
      const r = await open(p, headers);
      assert.equal(r.status, 200);
      await r.until(`the ${how} replay`, (evs) => live(evs).length >= rest.length);
      assert.deepEqual(
        live(r.events).map((e) => e.id),
        rest.map((e) => e.id),
        how,
      );
    }
  });

  test('a bad Last-Event-ID is a 400 naming it; an unknown run is a 404', async () => {
    const bad = await srv.fetch(`/api/runs/${runId}/stream`, { headers: { 'Last-Event-ID': 'yesterday' } });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(await bad.json()), /last_event_id/);
    const missing = await srv.fetch('/api/runs/run_nope/stream');
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  });
});
