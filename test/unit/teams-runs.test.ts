// Budget accounting and the no-progress detector of the run job (pure parts of runner.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetExceeded, noProgress } from '../../server/src/services/teams/runner';

const base = { turns_used: 0, max_turns: 6, tokens_used: 0, token_budget: 3000, seconds_used: 0, max_seconds: 60 };

test('each budget is named when spent, turns first; none while within', () => {
  assert.equal(budgetExceeded(base), null);
  assert.equal(budgetExceeded({ ...base, turns_used: 5, tokens_used: 2999, seconds_used: 59.9 }), null);
  assert.equal(budgetExceeded({ ...base, turns_used: 6 }), 'max_turns');
  assert.equal(budgetExceeded({ ...base, tokens_used: 3000 }), 'token_budget');
  assert.equal(budgetExceeded({ ...base, seconds_used: 60 }), 'max_seconds');
  assert.equal(budgetExceeded({ ...base, turns_used: 9, tokens_used: 9999 }), 'max_turns');
});

test('no progress: the same answer again (ignoring case and spacing); empty answers and the first turn are not', () => {
  assert.equal(noProgress(undefined, 'x'), false);
  assert.equal(noProgress('The answer is 4', 'the  answer is 4 '), true);
  assert.equal(noProgress('The answer is 4', 'The answer is 5'), false);
  assert.equal(noProgress('  ', '  '), false);
});
