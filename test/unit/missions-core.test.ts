// Pure parts of Software Missions: snapshot hashing, the brief renderer, scoring, the state machine, the mocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson, hashOf } from '../../server/src/services/missions/snapshot';
import { renderBrief } from '../../server/src/services/missions/brief';
import { scoreMission } from '../../server/src/services/missions/score';
import { canTransition, isTerminal } from '../../server/src/services/missions/stateMachine';
import { createMockAgentception, createMockPhios } from '../../server/src/bridges/missions/mock';
import { loadConfig } from '../../server/src/config';

const config = (env: Record<string, string> = {}) => loadConfig({ env, dotenvFiles: [], overrides: { dataDir: '/tmp/agentora-unused' } });

test('canonical JSON: flat rows (one JSON.stringify) and nested values write the same bytes as the recursive form', () => {
  // The reference: keys sorted by UTF-16 code units, undefined members dropped, no whitespace.
  const reference = (v: unknown): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
    if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(',')}}`;
  };
  // Integer-like keys (which JavaScript itself orders numerically), '' beside {}, odd characters.
  assert.equal(canonicalJson({ 10: 'a', 9: 'b', 2: null, b: undefined, '': 1 }), '{"":1,"10":"a","2":null,"9":"b"}');
  assert.equal(canonicalJson([{ '': {} }, {}, { '': 1 }]), '[{"":{}},{},{"":1}]');
  fc.assert(
    fc.property(
      fc.array(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true }), fc.constant(null), fc.jsonValue()))),
      (rows) => {
        return canonicalJson(rows) === reference(rows);
      },
    ),
  );
});

test('canonical JSON ignores key order, so the snapshot hash is stable', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: null }] }), '{"a":[{"c":null,"d":2}],"b":1}');
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
      const reversed = Object.fromEntries(Object.entries(obj).reverse());
      return hashOf(obj) === hashOf(reversed);
    }),
  );
  assert.notEqual(hashOf({ a: 1 }), hashOf({ a: 2 }));
});

test('the brief renders objective, acceptance criteria, constraints, persona, memory and risks as Markdown', async () => {
  const packet = await createMockPhios().contextPack({
    persona_id: 'skeptic_reviewer',
    repo: 'acme/w',
    mission_title: 'T',
    objective: 'Run the schema migration safely',
    operator_intent: 'be careful',
    constraints: ['no downtime'],
    session_id: 's1',
  });
  const { title, markdown } = renderBrief({
    run_id: 'run_1',
    mission_title: 'Migrate',
    objective: 'Run the schema migration safely',
    operator_intent: 'be careful',
    constraints: ['no downtime'],
    acceptance_criteria: ['migration is reversible'],
    packet,
  });
  assert.equal(title, 'Migrate');
  for (const s of [
    '# Migrate',
    '## Objective',
    '## Acceptance criteria',
    '- [ ] migration is reversible',
    '## Constraints',
    '- no downtime',
    '## Persona',
    '## Memory',
    '## Risks',
    '**data migration** (high)',
    'Skeptic Reviewer',
  ]) {
    assert.ok(markdown.includes(s), `brief lacks ${s}`);
  }
});

test('scores follow the settings: bonuses, penalty, thresholds, short summaries lower confidence', () => {
  const base = {
    status: 'succeeded' as const,
    pr_url: 'https://x/pull/1',
    summary: 'x'.repeat(100),
    artifact_count: 2,
    acceptance_criteria_count: 1,
    writeback_succeeded: false,
    risk_flags: [],
    has_error: false,
  };
  const s = scoreMission(base, config());
  assert.equal(s.mission_score, 100);
  assert.equal(s.confidence_level, 'high');
  assert.equal(s.risk_level, 'low');
  const tuned = scoreMission(
    base,
    config({
      AGENTORA_MISSIONS_SCORE_PR_BONUS: '0',
      AGENTORA_MISSIONS_SCORE_TERMINAL_SUCCESS_BONUS: '0',
      AGENTORA_MISSIONS_CONFIDENCE_THRESHOLD_MEDIUM: '40',
    }),
  );
  assert.equal(tuned.mission_score, 45);
  assert.equal(tuned.confidence_level, 'medium');
  const short = scoreMission({ ...base, summary: 'ok' }, config());
  assert.equal(short.confidence_level, 'medium', 'a short summary lowers confidence one step');
  const failed = scoreMission({ ...base, status: 'failed', pr_url: null, summary: null, artifact_count: 0 }, config());
  assert.equal(failed.mission_score, 5);
  assert.equal(failed.risk_level, 'medium');
  const risky = scoreMission({ ...base, risk_flags: [{ severity: 'high' }, { severity: 'medium' }] }, config());
  assert.equal(risky.risk_level, 'high');
  assert.equal(
    scoreMission({ ...base, risk_flags: [{ severity: 'high' }, { severity: 'medium' }] }, config({ AGENTORA_MISSIONS_RISK_THRESHOLD_HIGH: '3' }))
      .risk_level,
    'medium',
  );
});

test('state machine: finished stays finished, cancelled (stopped) may resume, launch only from pre-launch states', () => {
  assert.ok(canTransition('prepared', 'queued'));
  assert.ok(canTransition('running', 'succeeded'));
  assert.ok(!canTransition('succeeded', 'running'));
  assert.ok(!canTransition('queued', 'prepared'));
  assert.ok(canTransition('cancelled', 'running'));
  assert.ok(isTerminal('failed') && !isTerminal('blocked'));
});

test('mock AgentCeption: queued → running → succeeded over successive reads, with branch, PR URL, summary, artifacts and events', async () => {
  const ac = createMockAgentception();
  const l = await ac.launch({ mode: 'issue', repo: 'acme/w', role: 'developer', issue_title: 'T', issue_body: 'b', issue_number: 42 });
  assert.deepEqual([l.run_id, l.state, l.branch], ['issue-42', 'queued', 'agent/issue-42']);
  const states: string[] = [];
  let last;
  let cursor = 0;
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    last = await ac.status('issue-42', { after_event_id: cursor });
    states.push(last.state);
    for (const e of last.events) seen.push(e.event_type);
    cursor = last.events.reduce((m, e) => Math.max(m, e.id), cursor);
  }
  assert.deepEqual(states, ['running', 'running', 'running', 'succeeded', 'succeeded', 'succeeded']);
  assert.deepEqual(seen, ['step_start', 'file_edit', 'step_start', 'done'], 'each event is delivered once through after_event_id');
  assert.equal(last!.pr_url, 'https://agentception.mock.invalid/acme/w/pull/42');
  assert.match(last!.summary ?? '', /agent\/issue-42/);
  assert.equal((await ac.artifacts('issue-42')).length, 2);
  const f = await ac.launch({ mode: 'issue', repo: 'acme/w', role: 'developer', issue_title: 'T', issue_body: 'mock:fail', issue_number: 7 });
  let st;
  for (let i = 0; i < 5; i++) st = await ac.status(f.run_id);
  assert.equal(st!.state, 'failed');
});

test('mock PhiOS is deterministic and knows the persona catalogue', async () => {
  const p = createMockPhios();
  const req = {
    persona_id: 'rapid_builder',
    repo: 'acme/w',
    mission_title: 'T',
    objective: 'O',
    operator_intent: '',
    constraints: [],
    session_id: 's',
  };
  assert.deepEqual(await p.contextPack(req), await p.contextPack(req));
  assert.equal((await p.persona('rapid_builder'))?.name, 'Rapid Builder');
  assert.equal(await p.persona('nobody'), null);
  const w = await p.writeback({
    mission_id: 'm',
    session_id: 's',
    repo: 'acme/w',
    persona_name: 'x',
    run_id: 'issue-1',
    summary: 's',
    outcome_status: 'succeeded',
    pr_url: null,
    branch: null,
    operator_notes: '',
    tags: [],
  });
  assert.equal(w.ok, true);
  assert.match(w.ref ?? '', /^mock-deliberation-/);
});
