// Pure parts of the mission bridges: lenient packets from PhiOS, personas from its recommendation, writeback
// answers, and the settings helpers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packetFromObject, packetFromResources, personaFromRecommendation, topicForRepo } from '../../server/src/bridges/missions/phios/packet';
import { writebackResult } from '../../server/src/bridges/missions/phios/writeback';
import { parseEnvPairs } from '../../server/src/bridges/missions/real';
import { type ContextPackRequest, MissionContextPacket } from '../../server/src/bridges/missions/types';

const req: ContextPackRequest = {
  persona_id: 'p1',
  repo: 'acme/w',
  mission_title: 'T',
  objective: 'O',
  operator_intent: 'I',
  constraints: ['c1'],
  session_id: 'agentora-s',
};

test('packetFromObject: anything at all still gives a strict packet filled from the request', () => {
  for (const input of [null, 42, 'text', [], { packet: 'x' }, { persona: 7, memory_snippets: 'no', generated_at: 5 }]) {
    const p = packetFromObject(input, req, 'phios-http');
    MissionContextPacket.parse(p);
    assert.equal(p.session_id, 'agentora-s');
    assert.equal(p.mission_title, 'T');
    assert.equal(p.persona.id, 'p1');
    assert.deepEqual(p.constraints, ['c1']);
  }
});

test('packetFromObject: known fields parsed one by one, unknown and malformed kept in raw, nested packet unwrapped', () => {
  const p = packetFromObject(
    { packet: { session_id: 'phi-s', summary: 'S', risk_flags: [{ name: 'r' }], success_criteria: 'bad', extra: { a: 1 }, raw: { kept: true } } },
    req,
    'phios-http',
  );
  assert.equal(p.session_id, 'phi-s');
  assert.equal(p.summary, 'S');
  assert.deepEqual(p.risk_flags, [{ name: 'r', severity: 'medium', mitigation: '' }]);
  assert.deepEqual(p.success_criteria, []);
  assert.deepEqual(p.raw, { kept: true, success_criteria: 'bad', extra: { a: 1 } });
  assert.equal(p.source, 'phios-http');
});

test('packetFromResources: empty or missing resources still give a packet; deliberations become snippets', () => {
  const empty = packetFromResources({ session: null, recommendation: null, memory: null, topic: 't' }, req);
  MissionContextPacket.parse(empty);
  assert.equal(empty.source, 'phios-mcp');
  assert.equal(empty.persona.id, 'p1');
  const p = packetFromResources(
    {
      session: { summary: { session_state: 'idle', next_step: 'rest' } },
      recommendation: { recommendation: { figure: 'Sage' } },
      memory: { deliberations: [{ outcome: 'won', created_at: '2026-01-01', tags: [] }, { nothing: 1 }, 'plain'] },
      topic: 'agentora:acme/w',
    },
    req,
  );
  assert.equal(p.persona.name, 'Sage');
  assert.equal(p.persona.id, 'sage');
  assert.deepEqual(
    p.memory_snippets.map((m) => m.text),
    ['won', 'plain'],
  );
  assert.equal(p.memory_snippets[0]!.timestamp, '2026-01-01');
  assert.deepEqual(p.recommended_next_actions, ['rest']);
});

test('personaFromRecommendation: several shapes, and null when there is no name', () => {
  assert.equal(personaFromRecommendation({ figure: { name: 'A', role: 'r' } })?.role, 'r');
  assert.equal(personaFromRecommendation({ recommended_arch: 'B' })?.name, 'B');
  assert.equal(personaFromRecommendation({ recommendation: { archetype: 'C', rationale: 'why' } })?.style, 'why');
  assert.equal(personaFromRecommendation({ ok: true }), null);
  assert.equal(personaFromRecommendation('x'), null);
});

test('topic for a repo', () => {
  assert.equal(topicForRepo(' acme/w '), 'agentora:acme/w');
});

test('writebackResult: ok, denied (code or text), other failure, garbage', () => {
  assert.deepEqual(writebackResult({ ok: true, narrative_ref: 'n1' }), { ok: true, ref: 'n1' });
  const denied = writebackResult({ ok: false, error_code: 'AGENT_MEMORY_WRITE_NOT_PERMITTED', reason: 'off' });
  assert.equal(denied.ok, false);
  assert.match(denied.fix_hint!, /agent_memory_write/);
  assert.equal(writebackResult({ text: 'Error: AGENT_MEMORY_WRITE_NOT_PERMITTED' }, true).error_code, 'AGENT_MEMORY_WRITE_NOT_PERMITTED');
  const other = writebackResult({ ok: false, error_code: 'DISK_FULL', reason: 'no space' });
  assert.deepEqual([other.ok, other.error_code, other.message], [false, 'DISK_FULL', 'no space']);
  assert.equal(writebackResult('garbage').ok, false);
  assert.equal(writebackResult({ ok: true }, true).ok, false, 'a tool error is never ok');
});

test('parseEnvPairs: comma values of PhiOS survive the comma-list setting', () => {
  assert.deepEqual(parseEnvPairs(['PHIOS_MCP_CAPABILITIES=read', 'agent_memory_write', 'PHIOS_MCP_PROFILE=operator']), {
    PHIOS_MCP_CAPABILITIES: 'read,agent_memory_write',
    PHIOS_MCP_PROFILE: 'operator',
  });
  assert.deepEqual(parseEnvPairs(['stray', 'A=1=2', '']), { A: '1=2' });
});
