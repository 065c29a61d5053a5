// The full-text index upkeep (services/memory/textIndex.ts): an index that has grown several segments is merged
// into one, by the maintenance job and by the background upkeep, and searches find exactly what they found before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../server/src/app';
import { SAMPLE_MEMORIES } from '../helpers/memoryTexts';
import { MAX_SEGMENTS, startTextIndexUpkeep, stopTextIndexUpkeep, textIndexSegments } from '../../server/src/services/memory/textIndex';

const internal = { transport: 'internal', actor: 'test' } as const;
const TEXTS = [...SAMPLE_MEMORIES, 'Payments refunds go through the ledger service'];
const QUERIES = ['payments webhooks', 'ledger', 'tokens weekly', 'notifications'];

async function withGrownIndex(body: (app: ReturnType<typeof createApp>, call: (m: string, p: unknown) => Promise<any>) => Promise<void>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-textindex-'));
  const app = createApp({ overrides: { dataDir: dir, 'memory.searchThreads': 0 } as never });
  const call = (m: string, p: unknown) => app.registry.call(m, p, internal) as Promise<any>;
  try {
    // Without FTS5's own automerge every committed write leaves a segment: a grown index, made quickly.
    app.ctx.db.prepare(`INSERT INTO memories_fts (memories_fts, rank) VALUES ('automerge', 0)`).run();
    for (const text of TEXTS) await call('agentora/memory/create', { text, kind: 'fact', source: 'operator' });
    assert.ok(textIndexSegments(app.ctx.db) > MAX_SEGMENTS, 'the index has grown several segments');
    await body(app, call);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const answers = async (call: (m: string, p: unknown) => Promise<any>) =>
  Promise.all(QUERIES.map(async (query) => (await call('agentora/memory/search', { query, top_k: 6 })).items.map((i: any) => i.capsule_id)));

test('the maintenance job merges a grown full-text index into one segment; searches answer the same', async () => {
  await withGrownIndex(async (app, call) => {
    const before = await answers(call);
    const segments = textIndexSegments(app.ctx.db);
    const { job } = await call('agentora/memory/runMaintenance', { wait: true });
    assert.equal(job.status, 'done');
    assert.equal(job.summary.index_segments_before, segments);
    assert.equal(job.summary.index_segments_after, 1);
    assert.ok(job.summary.index_merge_steps >= 1);
    assert.equal(textIndexSegments(app.ctx.db), 1);
    assert.deepEqual(await answers(call), before, 'the same memories, in the same order');
    // FTS5's own check of the index against the memories (throws when they disagree).
    app.ctx.db.prepare(`INSERT INTO memories_fts (memories_fts) VALUES ('integrity-check')`).run();

    // A second run finds nothing to merge.
    const again = (await call('agentora/memory/runMaintenance', { wait: true })).job;
    assert.equal(again.summary.index_merge_steps, 0);
  });
});

test('the background upkeep merges a grown index without being asked', async () => {
  await withGrownIndex(async (app, call) => {
    const before = await answers(call);
    stopTextIndexUpkeep(app.ctx);
    startTextIndexUpkeep(app.ctx, 20);
    const deadline = Date.now() + 10_000;
    while (textIndexSegments(app.ctx.db) > 1) {
      assert.ok(Date.now() < deadline, 'the upkeep merged the index within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(await answers(call), before);
  });
});
