// The planner against the real `ollama` client and the fake Ollama: `format` carries the JSON schema, an invalid
// answer is retried once with the validation error, twice invalid → invalid_plan with the raw answer kept.
// Plus the pure parts: dependency checks, order, assignment by role and capability.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OllamaProvider } from '../../server/src/bridges/models/ollama';
import { MockProvider } from '../../server/src/bridges/models/mock';
import { Capabilities, type Agent } from '../../server/src/protocol/agents';
import type { Team } from '../../server/src/protocol/teams';
import { assign, graphProblems, topoOrder } from '../../server/src/services/teams/assign';
import { makePlan, PLAN_JSON_SCHEMA, recommendMode, validateDraft } from '../../server/src/services/teams/planner';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';

let n = 0;
const agent = (name: string, role: string, extra: Partial<Agent> = {}, caps: Partial<Agent['capabilities']> = {}): Agent => ({
  id: ++n, name, model: null, role, system_prompt: `You are ${name}.`, tools: [], memory_mode: 'read', capabilities: Capabilities.parse(caps), run_id: null, cloned_from: null, created_at: '', updated_at: '', ...extra,
});
const planner = agent('Planner', 'planner', {}, { can_delegate: true });
const executor = agent('Executor', 'executor', { tools: ['desktop_write_text'] }, { max_tool_steps: 2 });
const critic = agent('Critic', 'critic', {}, { can_critique: true });
const team: Team = { id: 1, name: 'PEC', description: '', mode: 'careful', yaml_text: '', version: 1, template: null, created_at: '', updated_at: '', members: [planner, executor, critic].map((a, i) => ({ agent_id: a.id, position: i + 1, agent: a })) };

const good = { rationale: 'r', subgoals: [
  { id: 's1', title: 'Research', description: 'd', depends_on: [], role: 'researcher', deliverable: 'list', step_cap: 2 },
  { id: 's2', title: 'Write it', description: 'd', depends_on: ['s1'], role: 'executor', deliverable: 'file', step_cap: 5 },
  { id: 's3', title: 'Review', description: 'd', depends_on: ['s2'], role: 'critic', deliverable: 'review', step_cap: 1 },
] };

let fake: FakeOllama;
let script: Array<string | { crash: true }> = [];
before(async () => {
  fake = await startFakeOllama(undefined, { chat: () => script.shift() ?? 'no more' });
});
after(() => fake.close());
const ollama = () => new OllamaProvider({ host: fake.url, chatModel: 'llama3.2', embedModel: 'nomic-embed-text', timeoutMs: 5000 });

test('graph checks: unknown dependency, duplicate id, self-dependency, cycle; order respects dependencies', () => {
  const base = structuredClone(good) as any;
  assert.deepEqual(graphProblems(base), []);
  assert.deepEqual(topoOrder([{ id: 'b', depends_on: ['a'] }, { id: 'a', depends_on: [] }]), ['a', 'b']);
  base.subgoals[0].depends_on = ['s9'];
  assert.match(graphProblems(base)[0]!, /subgoals\.0\.depends_on\.0: no subgoal 's9'/);
  base.subgoals[0].depends_on = ['s3'];
  assert.match(graphProblems(base)[0]!, /cycle/);
  base.subgoals[0].depends_on = ['s1'];
  assert.match(graphProblems(base)[0]!, /itself/);
  base.subgoals[1].id = 's1';
  assert.ok(graphProblems(base).some((p) => /used twice/.test(p)));
  assert.match((validateDraft('{"rationale": 1}') as any).error, /rationale/);
  assert.match((validateDraft('not json') as any).error, /not JSON/);
});

test('assignment by role and capability, explained; step cap lowered to the agent\'s', () => {
  const s = assign(good as any, [planner, executor, critic]);
  assert.deepEqual(s.map((x) => x.agent_name), ['Executor', 'Executor', 'Critic']);
  assert.match(s[1]!.assignment_reason, /role 'executor' matches/);
  assert.match(s[1]!.assignment_reason, /desktop_write_text for a file deliverable/);
  assert.equal(s[1]!.step_cap, 2);
  assert.match(s[1]!.assignment_reason, /step cap 5 lowered to the agent's 2/);
  assert.equal(s[2]!.agent_name, 'Critic');
  assert.match(s[2]!.assignment_reason, /can critique/);
  // No role fits 'researcher': not the pure critic, not the planner.
  assert.notEqual(s[0]!.agent_name, 'Critic');
  assert.notEqual(s[0]!.agent_name, 'Planner');
});

test('a valid structured answer: format carries the JSON schema, real token counts add up', async () => {
  script = [JSON.stringify(good)];
  const before = fake.chats.length;
  const out = await makePlan(ollama(), team, 'Write the summary to notes.txt', 'careful');
  assert.equal(out.ok, true);
  assert.deepEqual(out.plan!.order, ['s1', 's2', 's3']);
  assert.equal(out.plan!.attempts, 1);
  assert.ok(out.plan!.prompt_tokens > 0 && out.plan!.eval_tokens > 0);
  const req = fake.chats[before]!;
  assert.deepEqual(req.format, PLAN_JSON_SCHEMA);
  assert.equal((req.format as any).properties.subgoals.items.properties.deliverable.enum.length, 6);
  assert.match(req.messages[0]!.content, /Team roles: planner, executor, critic/);
});

test('an invalid answer is retried once with the validation error; the second answer is used', async () => {
  const bad = structuredClone(good) as any;
  bad.subgoals[2].depends_on = ['s7'];
  script = [JSON.stringify(bad), JSON.stringify(good)];
  const before = fake.chats.length;
  const out = await makePlan(ollama(), team, 'goal', 'careful');
  assert.equal(out.ok, true);
  assert.equal(out.plan!.attempts, 2);
  const retry = fake.chats[before + 1]!;
  assert.match(retry.messages.at(-1)!.content, /subgoals\.2\.depends_on\.0: no subgoal 's7'/);
  assert.equal(retry.messages.at(-2)!.role, 'assistant');
});

test('garbage twice → invalid_plan with the raw output kept; a dying model is an error', async () => {
  script = ['I think you should just do it', '{"subgoals": "later"}'];
  const out = await makePlan(ollama(), team, 'goal', 'careful');
  assert.equal(out.ok, false);
  assert.equal(out.stop_reason, 'invalid_plan');
  assert.equal(out.raw_output, '{"subgoals": "later"}');
  assert.match(out.error!, /subgoals/);
  script = [{ crash: true }];
  await assert.rejects(makePlan(ollama(), team, 'goal', 'careful'), /closed the stream|not reachable|Ollama/);
});

test('single_agent mode makes no model call; the mock planner makes a 3-step plan with a file deliverable', async () => {
  const before = fake.chats.length;
  const single = await makePlan(ollama(), team, 'just answer', 'single_agent');
  assert.equal(fake.chats.length, before);
  assert.equal(single.subgoals.length, 1);
  const mock = await makePlan(new MockProvider(), team, 'write the summary to notes.txt', 'careful');
  assert.equal(mock.ok, true);
  assert.deepEqual(mock.subgoals.map((s) => [s.id, s.depends_on, s.agent_name]), [['s1', [], mock.subgoals[0]!.agent_name], ['s2', ['s1'], 'Executor'], ['s3', ['s2'], 'Critic']]);
  assert.equal(mock.subgoals[1]!.deliverable, 'file');
  const invalid = await makePlan(new MockProvider(), team, 'mock:invalid-plan', 'careful');
  assert.equal(invalid.stop_reason, 'invalid_plan');
});

test('mode recommendation says why', () => {
  assert.equal(recommendMode('Compare Postgres versus SQLite for this').mode, 'debate');
  assert.equal(recommendMode('Fix the login bug and add a test').mode, 'careful');
  assert.equal(recommendMode('x', { ...team, members: team.members.slice(0, 1) }).mode, 'single_agent');
  assert.ok(recommendMode('Summarise the three reports, and list open questions, and dates').reason.length > 10);
});
