// Every row of the contract's status table (contracts/agentception.md), including the legacy values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStaleStatus, mapStatus } from '../../server/src/bridges/missions/agentception/status';

const none = { hasDone: false, hasPr: false };

test('status table: every raw AgentCeption status maps to its job state', () => {
  const rows: [string, string][] = [
    ['pending_launch', 'queued'],
    ['implementing', 'running'],
    ['reviewing', 'running'],
    ['recovering', 'running'],
    ['stalled', 'running'],
    ['stale', 'running'],
    ['blocked', 'blocked'],
    ['completed', 'succeeded'],
    ['failed', 'failed'],
    ['error', 'failed'],
    ['unknown', 'failed'],
    ['cancelled', 'cancelled'],
    ['stopped', 'cancelled'],
  ];
  for (const [raw, state] of rows) assert.equal(mapStatus(raw, none), state, raw);
});

test('legacy done: succeeded with a done event or a PR, else cancelled', () => {
  assert.equal(mapStatus('done', { hasDone: true, hasPr: false }), 'succeeded');
  assert.equal(mapStatus('done', { hasDone: false, hasPr: true }), 'succeeded');
  assert.equal(mapStatus('done', { hasDone: true, hasPr: true }), 'succeeded');
  assert.equal(mapStatus('done', none), 'cancelled');
});

test('anything else is unknown (keep polling), whatever the case or padding', () => {
  for (const raw of ['queued_for_review', '', 'RUNNING', 'merged', '??']) assert.equal(mapStatus(raw, none), 'unknown', raw);
  assert.equal(mapStatus(null), 'unknown');
  assert.equal(mapStatus(undefined), 'unknown');
  assert.equal(mapStatus('  Completed '), 'succeeded');
  assert.equal(mapStatus('constructor'), 'unknown'); // not an Object.prototype key
});

test('stale flag: stalled and computed stale only', () => {
  assert.equal(isStaleStatus('stalled'), true);
  assert.equal(isStaleStatus('stale'), true);
  for (const raw of ['implementing', 'blocked', 'completed', '']) assert.equal(isStaleStatus(raw), false, raw);
});
