// Pure parts of modes and the panel's graph: who reviews, argues and judges; the layered plan layout; the mock
// agent's tool call and the mock reviewer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criticFor, judgeFor, opponentFor } from '../../server/src/services/teams/modes';
import { layout, NODE_H, NODE_W, GAP_Y } from '../../webview/src/panels/runs/types';
import { mockAgentTurn, mockCritique } from '../../server/src/bridges/models/mockAgent';
import type { Agent } from '../../server/src/protocol/agents';

const agent = (id: number, role: string, caps: Partial<Agent['capabilities']> = {}): Agent => ({
  id,
  name: `A${id}`,
  model: null,
  role,
  system_prompt: '',
  tools: [],
  memory_mode: 'read',
  capabilities: {
    max_tool_steps: 4,
    can_critique: false,
    can_verify: false,
    can_delegate: false,
    can_use_workers: false,
    confidence_weight: 0.5,
    ...caps,
  },
  run_id: null,
  cloned_from: null,
  created_at: '',
  updated_at: '',
});

test('careful: the reviewer can critique or verify, is never the author, weightiest first; none → no review', () => {
  const a = agent(1, 'executor', { can_critique: true, confidence_weight: 0.9 });
  const b = agent(2, 'critic', { can_critique: true, confidence_weight: 0.6 });
  const c = agent(3, 'verifier', { can_verify: true, confidence_weight: 0.8 });
  assert.equal(criticFor([a, b, c], a)?.id, 3);
  assert.equal(criticFor([a, b, c], c)?.id, 1);
  assert.equal(criticFor([agent(4, 'x'), agent(5, 'y')], agent(4, 'x')), null);
});

test('debate: the opponent is another member (not the planner when possible); the judge is the weightiest able member', () => {
  const p = agent(1, 'planner', { can_delegate: true, confidence_weight: 0.7 });
  const e = agent(2, 'executor');
  const w = agent(3, 'writer');
  assert.equal(opponentFor([p, e, w], e)?.id, 3);
  assert.equal(opponentFor([p, e], e)?.id, 1);
  assert.equal(opponentFor([e], e), null);
  assert.equal(judgeFor([p, e, w]).id, 1);
  assert.equal(judgeFor([e, agent(4, 'critic', { can_critique: true, confidence_weight: 0.2 })]).id, 4);
});

test('graph layout: a subgoal sits one level below its deepest dependency; levels centred; size from the widest level', () => {
  const g = layout([
    { id: 's1', depends_on: [] },
    { id: 's2', depends_on: [] },
    { id: 's3', depends_on: ['s1', 's2'] },
    { id: 's4', depends_on: ['s3', 's1'] },
  ]);
  const at = Object.fromEntries(g.boxes.map((b) => [b.id, b]));
  assert.deepEqual(
    ['s1', 's2', 's3', 's4'].map((s) => at[s]!.level),
    [0, 0, 1, 2],
  );
  assert.equal(at.s3!.y, NODE_H + GAP_Y);
  assert.equal(g.height, 3 * NODE_H + 2 * GAP_Y);
  assert.ok(at.s1!.x < at.s2!.x);
  assert.equal(at.s3!.x + NODE_W / 2, g.width / 2, 'a single node is centred');
  assert.deepEqual(layout([]), { boxes: [], width: NODE_W, height: 0 });
  // A dependency the plan does not contain is ignored rather than breaking the drawing.
  assert.equal(layout([{ id: 'x', depends_on: ['gone'] }]).boxes[0]!.level, 0);
});

test('mock agent: the file subgoal proposes its write once, then reports what it observed; others answer in words', () => {
  const tools = [{ type: 'function' as const, function: { name: 'desktop_write_text', description: '', parameters: {} } }];
  const task = 'Team goal: write the summary to notes.txt\nYour subgoal (s2): Produce the result and write it to notes.txt\nd\nDeliverable: file';
  const first = mockAgentTurn({ messages: [{ role: 'user', content: task }], tools });
  assert.deepEqual(first?.toolCalls?.[0]?.function, {
    name: 'desktop_write_text',
    arguments: { path: 'notes.txt', content: 'Summary for: write the summary to notes.txt\n' },
  });
  const after = mockAgentTurn({
    messages: [
      { role: 'user', content: task },
      { role: 'tool', content: 'Denied by operator', tool_name: 'desktop_write_text' },
    ],
    tools,
  });
  assert.equal(after?.toolCalls, undefined);
  assert.match(after!.content, /Denied by operator/);
  assert.equal(mockAgentTurn({ messages: [{ role: 'user', content: task.replace('Deliverable: file', 'Deliverable: list') }], tools }), null);
  assert.equal(mockAgentTurn({ messages: [{ role: 'user', content: task }] }), null);
});

test('mock reviewer: accepts, or sends back when the goal says mock:revise', () => {
  const f = { title: 'agentora.critique' };
  assert.equal(JSON.parse(mockCritique({ messages: [{ role: 'user', content: 'Team goal: x' }], format: f })!).verdict, 'accept');
  assert.equal(JSON.parse(mockCritique({ messages: [{ role: 'user', content: 'Team goal: x mock:revise' }], format: f })!).verdict, 'revise');
  assert.equal(mockCritique({ messages: [{ role: 'user', content: 'x' }], format: { title: 'agentora.plan' } }), null);
});
