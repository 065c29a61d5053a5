// Searches rank in retrieval threads (services/memory/retrievalPool.ts), each on its own read connection. What
// must hold: the threads really rank (not the event loop), their answers equal the event loop's, a write is seen
// by the very next search, an archived memory is gone at once, and with `memory.searchThreads = 0` nothing spawns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../server/src/app';
import { retrievalThreads } from '../../server/src/services/memory/retrievalPool';
import { rankMemories } from '../../server/src/services/memory/rank';
import { SAMPLE_MEMORIES as TEXTS } from '../helpers/memoryTexts';

const internal = { transport: 'internal', actor: 'test' } as const;

async function withApp(threads: number, body: (call: (m: string, p: unknown) => Promise<any>, app: ReturnType<typeof createApp>) => Promise<void>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-rthreads-'));
  const app = createApp({ overrides: { dataDir: dir, 'memory.searchThreads': threads, 'memory.embedIntervalMs': 10 } as never });
  try {
    await body((m, p) => app.registry.call(m, p, internal) as Promise<any>, app);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('searches rank in threads, answer as the event loop would, and see every write at once', async () => {
  await withApp(2, async (call, app) => {
    for (const text of TEXTS) await call('agentora/memory/create', { text, kind: 'fact', source: 'operator' });
    const first = await call('agentora/memory/search', { query: 'payments webhooks', top_k: 3 });
    assert.equal(retrievalThreads(app.ctx).threads, 2, 'two retrieval threads run the searches');
    assert.equal(retrievalThreads(app.ctx).fallback, null);
    assert.ok(first.items.length >= 2, 'both payments memories are found');
    assert.match(first.items[0].text, /payments/i);

    // The same ranking on the server's own connection gives the same answer.
    const inline = rankMemories(app.ctx, {
      query: 'payments webhooks',
      top_k: 3,
      source_weight: {},
      excludeMock: false,
      model: null,
      qv: null,
    });
    if (!first.vector_used)
      assert.deepEqual(
        first.items.map((i: any) => i.capsule_id),
        inline.items.map((s) => s.row.id),
      );

    // A memory written now is found by the next search (the thread reads the committed write). Found, not
    // necessarily first: its embedding comes from the background embed loop, and until then a memory that matches
    // by text and by vector may rank above it (under CI load that happened once).
    const made = await call('agentora/memory/create', { text: 'Payments webhooks moved to the new queue cluster', kind: 'fact', source: 'operator' });
    const after = await call('agentora/memory/search', { query: 'queue cluster webhooks', top_k: 3 });
    assert.ok(
      after.items.some((i: any) => i.capsule_id === made.capsule.capsule_id),
      `the new memory is found at once: ${JSON.stringify(after.items.map((i: any) => i.capsule_id))}`,
    );

    // Archived: gone from the very next search.
    await call('agentora/memory/archive', { capsule_id: made.capsule.capsule_id });
    const gone = await call('agentora/memory/search', { query: 'queue cluster webhooks', top_k: 3 });
    assert.ok(!gone.items.some((i: any) => i.capsule_id === made.capsule.capsule_id), 'the archived memory is not returned');

    // Many concurrent searches all answer (spread over both threads).
    const many = await Promise.all(
      Array.from({ length: 40 }, (_, i) => call('agentora/memory/search', { query: i % 2 ? 'payments' : 'invoices ledger', top_k: 2 })),
    );
    assert.ok(many.every((r) => r.ok && r.items.length >= 1));
  });
});

test('memory.searchThreads = 0 ranks on the event loop and starts no thread', async () => {
  await withApp(0, async (call, app) => {
    await call('agentora/memory/create', { text: TEXTS[0], kind: 'fact', source: 'operator' });
    const r = await call('agentora/memory/search', { query: 'payments webhooks', top_k: 3 });
    assert.equal(r.items.length, 1);
    assert.deepEqual(retrievalThreads(app.ctx), { threads: 0, fallback: null });
  });
});
