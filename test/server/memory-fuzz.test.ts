// Generated garbage at the memory routes (fast-check): every answer is a clear 2xx/4xx, never a 500, and the
// server keeps serving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
before(async () => {
  s = await startServer();
  await s.fetch('/api/memory/capsules', { method: 'POST', body: JSON.stringify({ text: 'A memory so ids exist.' }) });
});
after(() => s?.stop());

const junk = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);
const body = fc.dictionary(
  fc.constantFrom(
    'text',
    'query',
    'top_k',
    'kind',
    'source',
    'layer',
    'trust',
    'as_of',
    'source_weight',
    'filename',
    'content_base64',
    'resolution',
    'keep_id',
    'change_ids',
    'derived_from',
    'run_id',
    'wait',
    'max_chunk_chars',
  ),
  junk,
  { maxKeys: 6 },
);
const ROUTES: [string, string][] = [
  ['POST', '/api/memory/capsules'],
  ['POST', '/api/capsules/search'],
  ['POST', '/api/memory/uploads'],
  ['PATCH', '/api/memory/capsules/1'],
  ['POST', '/api/memory/capsules/1/refine'],
  ['POST', '/api/memory/proposals/1/accept'],
  ['POST', '/api/memory/maintenance/jobs/1/undo'],
  ['GET', '/api/memory/capsules/1?as_of=x'],
];

test('memory routes answer generated garbage with 2xx/4xx, never 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ROUTES), body, async ([verb, path], b) => {
      const res = await s.fetch(path, verb === 'GET' ? {} : { method: verb, body: JSON.stringify(b) });
      const json = (await res.json()) as { ok?: boolean; message?: string };
      assert.ok(res.status < 500, `${verb} ${path} ${JSON.stringify(b)} → ${res.status} ${json.message}`);
      if (res.status >= 400) assert.equal(typeof json.message, 'string');
    }),
    { numRuns: 150 },
  );
  assert.equal((await s.fetch('/api/memory/health')).status, 200);
});
