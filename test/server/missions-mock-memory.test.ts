// Issue 10 §2 defect 11: mock mode invented GitHub PR links and stored mock outcomes as trusted memories that later
// fed real missions. Driven as a user meets it: run a mission in mock mode (the default on first launch) to the
// end, then switch the same data dir to real mode against the AgentCeption fake and prepare a mission on the same
// topic. The mock mission says it is mock, its links lead to a reserved `.invalid` host, its memory is marked mock
// and nearly untrusted, and the real mission's packet never carries it (its recorded context says why).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeAgentception, type FakeAgentception } from '../fakes/agentception';
import { startServer, type TestServer } from '../helpers/server';
import { acEnv, json, post, until, API } from './missions-real-helpers';

const missionOf = async (s: TestServer, id: string) => {
  const b = await json(s.fetch(`${API}/runs/${id}`));
  return b.run ?? b;
};
const TOPIC = {
  repo: 'acme/payments',
  mission_title: 'Retry failed payouts',
  objective: 'Retry failed payouts with exponential backoff in the payout worker',
};

describe('mock outcomes stay mock', () => {
  let ac: FakeAgentception;
  let dir: string;
  let s: TestServer | undefined;
  before(async () => {
    ac = await startFakeAgentception();
    dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-mock-memory-'));
  });
  after(async () => {
    await s?.stop();
    await ac?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a mock mission is marked mock, links nowhere real, and its memory never reaches a real mission', async () => {
    // 1. Mock mode (the default): the whole loop, to a finished mission.
    s = await startServer({ AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false' }, 15000, { dataDir: dir });
    const l = await json(post(s, '/runs/launch', { ...TOPIC, watch: false }));
    const id = l.run_id ?? l.id;
    const done = await until('the mock mission finishes', async () => {
      await post(s!, `/runs/${id}/refresh`);
      const m = await missionOf(s!, id);
      return m.terminal && m;
    });
    assert.equal(done.status, 'succeeded');
    assert.equal(done.mock, true, 'the mission record says mock');
    assert.match(done.pr_url, /^https:\/\/agentception\.mock\.invalid\/acme\/payments\/pull\/\d+$/);
    assert.match(done.issue_url, /^https:\/\/agentception\.mock\.invalid\//);
    assert.ok(!/github\.com/.test(JSON.stringify(done)), 'no GitHub link anywhere in a mock mission');
    const left = (await json(post(s, '/runs/prepare', { ...TOPIC, mission_title: 'Prepared in mock mode' }))).run_id;

    const mems = await until('the outcome memory', async () => {
      const r = await json(s!.fetch('/api/memory/capsules?source=mission'));
      return r.items.length ? r.items : null;
    });
    assert.equal(mems.length, 1);
    const mockMem = mems[0];
    assert.equal(mockMem.mock, true);
    assert.ok(mockMem.trust <= 0.1, `trust ${mockMem.trust}`);
    assert.match(mockMem.text, /^\[mock\] Mission "Retry failed payouts"/);
    assert.ok(mockMem.text.includes('agentception.mock.invalid'));
    // A real memory on the same topic, so the retrieval below demonstrably works.
    const real = (
      await json(
        s.fetch('/api/memory/capsules', {
          method: 'POST',
          body: JSON.stringify({
            text: 'Failed payouts retry with exponential backoff in the payout worker, at most five attempts.',
            repo: 'acme/payments',
          }),
        }),
      )
    ).capsule;
    assert.ok(real?.capsule_id);
    await s.stop();

    // 2. The same data, real mode (AgentCeption fake, PhiOS off: Agentora builds the packet from its own memory).
    s = await startServer(acEnv(ac, { AGENTORA_PHIOS_ENABLED: 'false', AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false' }), 15000, { dataDir: dir });
    const prepared = await json(post(s, '/runs/prepare', TOPIC));
    const pid = prepared.run_id ?? prepared.run?.run_id;
    const m = await missionOf(s, pid);
    assert.equal(m.mock, false);
    const snippets: any[] = m.context_packet.memory_snippets;
    assert.ok(
      snippets.some((x) => x.id === `agentora-memory:${real.capsule_id}`),
      `the real memory is in the packet: ${JSON.stringify(snippets)}`,
    );
    assert.ok(
      !snippets.some((x) => x.id === `agentora-memory:${mockMem.capsule_id}` || /\[mock\]|mock\.invalid/.test(x.text)),
      `no mock memory in a real packet: ${JSON.stringify(snippets)}`,
    );
    assert.ok(!/\[mock\]|mock\.invalid/.test(JSON.stringify(m.context_packet)));
    const ctxs = await json(s.fetch(`/api/memory/runs/${pid}/contexts`));
    const item = ctxs.contexts[0].items.find((i: any) => i.capsule_id === mockMem.capsule_id);
    assert.ok(item, 'the mock memory was considered and recorded');
    assert.equal(item.admitted, false);
    assert.match(item.reason, /made in mock mode, never given to a real-mode mission/);

    // 3. A mission prepared in mock mode cannot brief a real agent.
    const refused = await post(s, '/runs/launch', { run_id: left });
    assert.equal(refused.status, 409);
    assert.match(JSON.stringify(await refused.json()), /prepared with the mock integrations/);
    assert.equal(
      ac.count((h) => h.path.startsWith('/api/dispatch/')),
      0,
    );
  });
});
