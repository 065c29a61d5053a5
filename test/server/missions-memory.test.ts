// Missions are memory-aware: at prepare, Agentora's own memories relevant to the mission join the context
// packet (beside PhiOS's snippets), and the retrieval is recorded as a context of the mission, readable through
// the memory routes — so the operator sees exactly what the brief was given and why.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
before(async () => {
  s = await startServer({ AGENTORA_MISSIONS_WATCHER_ENABLED: 'true', AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1' });
});
after(() => s?.stop());

const post = async (p: string, body: unknown) => {
  const r = await s.fetch(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as any };
};

test('prepare puts the relevant memories into the packet and records the retrieval under the mission', async () => {
  const relevant = await post('/api/memory/capsules', {
    text: 'The payments service rollout uses blue-green deploys behind the gateway',
    repo: 'acme/pay',
  });
  assert.equal(relevant.status, 201, JSON.stringify(relevant.body));
  await post('/api/memory/capsules', { text: 'Lunch on Fridays is at noon in the big room' });

  const prep = await post('/api/integrations/runs/prepare', {
    repo: 'acme/pay',
    mission_title: 'Payments rollout',
    objective: 'Make the payments rollout safer with blue-green deploys',
    persona_id: 'default',
  });
  assert.equal(prep.status, 200, JSON.stringify(prep.body));
  const snippets = prep.body.context_packet.memory_snippets as { id: string; text: string; source: string }[];
  const ours = snippets.filter((x) => x.source === 'agentora-memory');
  assert.deepEqual(
    ours.map((x) => x.id),
    [`agentora-memory:${relevant.body.capsule.capsule_id}`],
    'the relevant memory, and only it',
  );
  assert.match(ours[0]!.text, /blue-green/);

  const runId = prep.body.run_id as string;
  const ctxs = (await (await s.fetch(`/api/memory/runs/${encodeURIComponent(runId)}/contexts`)).json()) as any;
  assert.equal(ctxs.contexts.length, 1);
  assert.equal(ctxs.contexts[0].owner_kind, 'mission');
  assert.match(ctxs.contexts[0].query, /Payments rollout/);
  const admitted = ctxs.contexts[0].items.filter((i: any) => i.admitted).map((i: any) => i.capsule_id);
  assert.deepEqual(admitted, [relevant.body.capsule.capsule_id]);
});

test('a finished mission is remembered, and the next mission on that repo is prepared with its outcome', async () => {
  const launched = await post('/api/integrations/runs/launch', {
    repo: 'acme/ledger',
    mission_title: 'Ledger export',
    objective: 'Add a CSV export to the ledger',
  });
  assert.equal(launched.body.ok, true, JSON.stringify(launched.body));
  const id = launched.body.run.run_id as string;
  const deadline = Date.now() + 15000;
  let run: any;
  while (Date.now() < deadline) {
    run = ((await (await s.fetch(`/api/integrations/runs/${id}`)).json()) as any).run;
    if (run.terminal) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(run.status, 'succeeded');

  const next = await post('/api/integrations/runs/prepare', {
    repo: 'acme/ledger',
    mission_title: 'Ledger export follow-up',
    objective: 'Extend the ledger CSV export with totals',
    persona_id: 'default',
  });
  const remembered = (next.body.context_packet.memory_snippets as { text: string; source: string }[]).filter((x) => x.source === 'agentora-memory');
  assert.equal(remembered.length, 1, JSON.stringify(remembered));
  // Mock mode: the outcome is remembered for the next mock mission, marked as mock (issue 10 §2.11).
  assert.match(remembered[0]!.text, /^\[mock\] Mission "Ledger export" on acme\/ledger succeeded: /);
  assert.ok(remembered[0]!.text.includes(run.pr_url), 'the PR link is part of what is remembered');
});
