// The bulk gate (server/src/http/bulkGate.ts): worker traffic runs one request per event-loop turn, in arrival
// order, so anything else that arrives meanwhile is answered after at most one of them.
import { test } from 'node:test';
import { stat } from 'node:fs';
import assert from 'node:assert/strict';
import { createBulkGate, isBulkRoute } from '../../server/src/http/bulkGate';

test('bulk requests take turns in arrival order, one per turn of the event loop', async () => {
  const gate = createBulkGate();
  const order: string[] = [];
  // Something that is not bulk work: I/O started when the first bulk request starts (a file stat, answered by
  // the event loop's poll). Each bulk request holds the loop for 3 ms, as a synchronous handler does. Were the gate
  // letting all queued requests through at once, the I/O would be seen only after the last of them.
  const runs = Array.from({ length: 6 }, (_, i) =>
    gate.turn().then(() => {
      order.push(`bulk${i}`);
      if (i === 0) stat(__filename, () => order.push('other'));
      const until = performance.now() + 3;
      while (performance.now() < until); // a synchronous handler
    }),
  );
  assert.equal(gate.waiting(), 6);
  await Promise.all(runs);
  assert.equal(gate.waiting(), 0);
  const bulk = order.filter((x) => x !== 'other');
  assert.deepEqual(bulk, ['bulk0', 'bulk1', 'bulk2', 'bulk3', 'bulk4', 'bulk5'], 'first come, first served');
  const other = order.indexOf('other');
  assert.ok(other > 0 && other < order.length - 1, `the other work ran between bulk turns: ${order.join(', ')}`);
  // The gate rearms after it emptied.
  await gate.turn();
});

test('only the POST routes of worker machines and job producers are bulk', () => {
  for (const r of ['/api/workers/dispatch', '/api/workers/claim', '/api/workers/jobs/:id/result', '/api/workers/heartbeat'])
    assert.equal(isBulkRoute('POST', r), true, r);
  assert.equal(isBulkRoute('GET', '/api/workers/jobs/:id'), false);
  assert.equal(isBulkRoute('POST', '/api/workers/tokens'), false, 'the operator issuing a token is interactive');
  assert.equal(isBulkRoute('GET', '/api/health'), false);
  assert.equal(isBulkRoute('POST', undefined), false);
});
