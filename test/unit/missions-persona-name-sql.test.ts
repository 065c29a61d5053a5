// The persona name of a portfolio branch is read by SQLite (PERSONA_NAME_SQL), so a page of branches never carries
// nor parses the whole context packet per row. It must agree with the JS rule (personaNameOf) on every packet:
// a named persona, an empty or non-string name, no persona, a persona that is not an object, damaged JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { PERSONA_NAME_SQL, personaNameOf } from '../../server/src/services/missions/personas/recommend';

test('PERSONA_NAME_SQL names a persona exactly as personaNameOf does', () => {
  const db = new Database(':memory:');
  const stmt = db.prepare(`SELECT ${PERSONA_NAME_SQL} FROM (SELECT @packet_json AS packet_json, @persona_id AS persona_id)`).pluck();
  const packets = [
    '{"persona":{"id":"skeptic_reviewer","name":"Skeptic Reviewer"}}',
    '{"persona":{"name":"Ünïcode — “quoted” \\"name\\""}}',
    '{"persona":{"name":""}}',
    '{"persona":{"name":42}}',
    '{"persona":{"name":null}}',
    '{"persona":{"name":["a"]}}',
    '{"persona":"Skeptic"}',
    '{"persona":null}',
    '{"risk_flags":[]}',
    '[{"persona":{"name":"in an array"}}]',
    '{"persona":{"name":"Truncated"',
    'not json',
    '',
  ];
  for (const packet_json of packets) {
    const row = { packet_json, persona_id: 'default' };
    assert.equal(stmt.get(row), personaNameOf(row), packet_json);
  }
  assert.equal(stmt.get({ packet_json: packets[0], persona_id: 'default' }), 'Skeptic Reviewer', 'a named persona is named');
  db.close();
});
