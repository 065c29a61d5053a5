// Team modes on the real server against the fake Ollama: careful sends a deliverable back once when the critic
// says `revise`; debate has a second member argue and a judge decide; fast runs independent subgoals side by
// side, never more than the mode's bound at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';

const TERMINAL = ['completed', 'stopped', 'failed', 'cancelled', 'interrupted'];

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sg = (id: string, deps: string[] = []) => ({
  id,
  title: `Part ${id}`,
  description: 'd',
  depends_on: deps,
  role: 'executor',
  deliverable: 'text',
  step_cap: 1,
});

describe('team modes', () => {
  let fake: FakeOllama;
  let srv: TestServer;
  let teamId: number;
  let inFlight = 0;
  let maxInFlight = 0;
  const post = async (p: string, body: unknown = {}) => {
    const r = await srv.fetch(p, { method: 'POST', body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as any };
  };
  const get = async (p: string) => (await (await srv.fetch(p)).json()) as any;
  const finished = (id: string) =>
    until(`run ${id}`, async () => ((b) => (TERMINAL.includes(b.run.status) ? b : null))(await get(`/api/runs/${id}`)));
  const chatsOf = (marker: string) => fake.chats.filter((c) => c.messages.some((m) => m.content.includes(marker)));

  before(async () => {
    fake = await startFakeOllama(undefined, {
      chatDelayMs: 120,
      chat: (body) => {
        const msgs = body.messages as Array<{ role: string; content: string }>;
        const all = msgs.map((m) => m.content).join('\n');
        const last = msgs.at(-1)!.content;
        const title = (body.format as { title?: string } | undefined)?.title;
        if (title === 'agentora.plan')
          return JSON.stringify({ rationale: 'r', subgoals: all.includes('fast-test') ? ['s1', 's2', 's3', 's4'].map((i) => sg(i)) : [sg('s1')] });
        if (title === 'agentora.critique') {
          // The first review of the revise test sends the work back; every other review accepts.
          const revise = all.includes('revise-test') && !all.includes('REVISED');
          return JSON.stringify({ verdict: revise ? 'revise' : 'accept', feedback: revise ? 'name the three risks' : 'good' });
        }
        if (/^Goal:/.test(last)) return 'FINAL';
        if (last.includes('sent your deliverable back')) return 'REVISED draft naming three risks';
        if (msgs[0]!.content.includes('debating a teammate')) return 'REBUTTAL: the first answer misses cost';
        if (msgs[0]!.content.includes('judging a debate')) return 'JUDGED: both, with cost';
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(() => inFlight--, 120);
        return `DRAFT of ${/Your subgoal \((s\d)\)/.exec(last)?.[1]}`;
      },
    });
    srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: fake.url });
    teamId = (await post('/api/teams/templates/plan_execute_critique', {})).body.id;
  });
  after(async () => {
    await srv.stop();
    await fake.close();
  });

  test('careful: the critic sends a deliverable back once; the revision is the deliverable', async () => {
    const id = (
      await post('/api/runs', { team_id: teamId, prompt: 'revise-test: assess the plan', mode: 'careful', max_turns: 20, token_budget: 1e6 })
    ).body.run_id;
    const done = await finished(id);
    assert.equal(done.run.status, 'completed', JSON.stringify(done.run));
    const s1 = done.messages.find((m: any) => m.meta.subgoal_id === 's1');
    assert.equal(s1.content, 'REVISED draft naming three risks');
    assert.deepEqual([s1.meta.revised, s1.meta.critique.verdict, s1.meta.critique.feedback], [true, 'revise', 'name the three risks']);
    // Exactly one review (sent back once, never reviewed in a loop) and one revision.
    assert.equal(chatsOf('revise-test').filter((c) => (c.format as any)?.title === 'agentora.critique').length, 1);
    assert.equal(chatsOf('sent your deliverable back').length, 1);
    assert.equal(done.run.final_output, 'FINAL');
  });

  test('debate: a second member argues, a judge decides; the judgement is the deliverable', async () => {
    const id = (
      await post('/api/runs', { team_id: teamId, prompt: 'debate-test: pick a database', mode: 'debate', max_turns: 20, token_budget: 1e6 })
    ).body.run_id;
    const done = await finished(id);
    assert.equal(done.run.status, 'completed', JSON.stringify(done.run));
    const s1 = done.messages.find((m: any) => m.meta.subgoal_id === 's1');
    assert.equal(s1.content, 'JUDGED: both, with cost');
    assert.equal(s1.meta.debate.length, 2);
    assert.notEqual(s1.meta.debate[0], s1.meta.debate[1]);
    const judge = chatsOf('debate-test').find((c) => c.messages[0]!.content.includes('judging a debate'))!;
    assert.match(judge.messages.at(-1)!.content, /DRAFT of s1[\s\S]*REBUTTAL: the first answer misses cost/);
    const kinds = (await get(`/api/runs/${id}/trace`)).trace.map((e: any) => e.event_type);
    assert.ok(kinds.includes('draft') && kinds.includes('rebuttal'));
  });

  test('fast: independent subgoals run side by side, at most 3 at once; synthesis over all four outputs', async () => {
    maxInFlight = 0;
    const id = (await post('/api/runs', { team_id: teamId, prompt: 'fast-test: four parts', mode: 'fast', max_turns: 20, token_budget: 1e6 })).body
      .run_id;
    const done = await finished(id);
    assert.equal(done.run.status, 'completed', JSON.stringify(done.run));
    assert.equal(maxInFlight, 3);
    const trace = (await get(`/api/runs/${id}/trace`)).trace.map((e: any) => e.event_type);
    const firstDone = trace.indexOf('agent_turn');
    assert.equal(trace.slice(0, firstDone).filter((t: string) => t === 'subgoal_started').length, 3);
    const synth = chatsOf('fast-test').find((c) => /^Goal:[\s\S]*Results:/.test(c.messages.at(-1)!.content))!;
    for (const s of ['s1', 's2', 's3', 's4']) assert.match(synth.messages.at(-1)!.content, new RegExp(`DRAFT of ${s}`));
  });
});
