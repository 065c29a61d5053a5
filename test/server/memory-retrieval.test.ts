// Retrieval through the real server: ranking, archived and superseded memories excluded, duplicates suppressed,
// top_k and source weights honoured, as_of; contexts recorded for runs; and the embeddings path against the
// fake Ollama server (AGENTORA_USE_MOCK_OLLAMA=false), including a model that is missing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { startServer, type TestServer } from '../helpers/server';

type Call = (path: string, body?: unknown, method?: string) => Promise<{ status: number; body: any }>;
const caller =
  (s: TestServer): Call =>
  async (path, body, method = body === undefined ? 'GET' : 'POST') => {
    const res = await s.fetch(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: await res.json() };
  };
async function poll<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('retrieval with the mock provider', () => {
  let s: TestServer;
  let call: Call;
  const ids: Record<string, number> = {};
  const make = async (key: string, body: Record<string, unknown>) => {
    const r = await call('/api/memory/capsules', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids[key] = r.body.capsule.capsule_id;
    return r.body;
  };
  before(async () => {
    s = await startServer({ AGENTORA_MEMORY_EMBED_INTERVAL_MS: '20' });
    call = caller(s);
    await make('webhooks', { text: 'The payments service retries failed webhooks three times with exponential backoff.' });
    await make('lunch', { text: 'The team orders pizza for lunch on Fridays.' });
    await make('colors', { text: 'The dashboard uses a dark blue colour palette.' });
    await make('archived', { text: 'Webhook signing secrets rotate every ninety days.' });
    await make('dupA', { text: 'Rate limits for the public API are 100 requests per minute.' });
    await make('dupB', { text: 'rate limits for the public api are 100 requests per minute' });
    await make('upload', { text: 'Quarterly report: webhooks delivered 99.9 percent on time.', source: 'chat' });
    for (let i = 0; i < 8; i++) await make(`many${i}`, { text: `Deployment checklist item ${i}: verify the canary deployment metrics.` });
    await call(`/api/memory/capsules/${ids.archived}/archive`, {});
    await poll('embeddings', async () => (await call('/api/memory/health')).body.embeddings.pending === 0);
  });
  after(() => s?.stop());

  test('a relevant memory beats irrelevant ones, which are not admitted at all', async () => {
    const r = await call('/api/capsules/search', { query: 'how many times are failed webhooks retried?' });
    assert.equal(r.status, 200);
    assert.equal(r.body.items[0].capsule_id, ids.webhooks);
    assert.equal(r.body.vector_used, true, 'the mock provider serves embeddings');
    const top = r.body.items[0];
    assert.ok(top.score_breakdown.text_rank === 1 && top.score_breakdown.vector_cosine > 0.2, JSON.stringify(top.score_breakdown));
    assert.match(top.admission_reason, /^admitted #1: text match/);
    for (const k of ['lunch', 'colors']) assert.ok(!r.body.items.some((i: any) => i.capsule_id === ids[k]), `${k} must not be admitted`);
    for (const f of ['bm25', 'text_rank', 'vector_cosine', 'vector_rank', 'rrf', 'recency', 'trust', 'usage', 'salience', 'source_weight', 'final'])
      assert.ok(f in top.score_breakdown, f);
  });

  test('archived memories never return; restored ones do', async () => {
    const q = { query: 'webhook signing secrets rotation' };
    assert.ok(!(await call('/api/capsules/search', q)).body.items.some((i: any) => i.capsule_id === ids.archived));
    await call(`/api/memory/capsules/${ids.archived}/restore`, {});
    assert.equal((await call('/api/capsules/search', q)).body.items[0].capsule_id, ids.archived);
    await call(`/api/memory/capsules/${ids.archived}/archive`, {});
    assert.ok(!(await call('/api/capsules/search', q)).body.items.some((i: any) => i.capsule_id === ids.archived));
  });

  test('duplicates are suppressed: one member of the cluster returns, with its cluster id', async () => {
    const r = await call('/api/capsules/search', { query: 'public API rate limits per minute' });
    const hits = r.body.items.filter((i: any) => [ids.dupA, ids.dupB].includes(i.capsule_id));
    assert.equal(hits.length, 1);
    assert.ok(hits[0].duplicate_cluster_id > 0);
  });

  test('top_k is honoured and source weights change the order (0 excludes a source)', async () => {
    const r = await call('/api/capsules/search', { query: 'canary deployment checklist', top_k: 3 });
    assert.equal(r.body.items.length, 3);
    assert.equal((await call('/api/capsules/search', { query: 'canary deployment checklist' })).body.items.length, 6, 'top_k defaults to 6');
    const q = 'webhooks delivered';
    const plain = await call('/api/capsules/search', { query: q });
    assert.equal(plain.body.items[0].capsule_id, ids.upload);
    const down = await call('/api/capsules/search', { query: q, source_weight: { chat: 0.1 } });
    assert.notEqual(down.body.items[0].capsule_id, ids.upload);
    assert.equal(down.body.items.find((i: any) => i.capsule_id === ids.upload)?.score_breakdown.source_weight, 0.1);
    const none = await call('/api/capsules/search', { query: q, source_weight: { chat: 0 } });
    assert.ok(!none.body.items.some((i: any) => i.capsule_id === ids.upload));
  });

  test('a superseded memory is not current, but as_of a time before answers what we believed then', async () => {
    const old = (await call('/api/memory/capsules', { text: 'The on-call rotation changes on Mondays.' })).body.capsule;
    const t = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const ref = await call(`/api/memory/capsules/${old.capsule_id}/refine`, { text: 'The on-call rotation changes on Tuesdays.' });
    const now = await call('/api/capsules/search', { query: 'when does the on-call rotation change' });
    assert.equal(now.body.items[0].capsule_id, ref.body.capsule.capsule_id);
    assert.ok(!now.body.items.some((i: any) => i.capsule_id === old.capsule_id));
    const then = await call('/api/capsules/search', { query: 'when does the on-call rotation change', as_of: t });
    assert.equal(then.body.items[0].capsule_id, old.capsule_id);
    assert.ok(!then.body.items.some((i: any) => i.capsule_id === ref.body.capsule.capsule_id), 'the refinement did not exist yet');
  });

  test('contexts: a retrieval for a run is recorded with its candidates, scores and reasons; admitted memories count as used', async () => {
    const before = (await call(`/api/memory/capsules/${ids.webhooks}`)).body.capsule.use_count;
    const r = await call('/api/capsules/search', { query: 'webhooks retried backoff', run_id: 'run-42', top_k: 1 });
    assert.ok(r.body.context_id > 0);
    const plain = await call('/api/capsules/search', { query: 'webhooks retried backoff' });
    assert.equal(plain.body.context_id, null, 'searches without an owner are not recorded');
    const c = await call('/api/memory/runs/run-42/contexts');
    assert.equal(c.body.contexts.length, 1);
    const ctx = c.body.contexts[0];
    assert.equal(ctx.query, 'webhooks retried backoff');
    assert.equal(ctx.owner_kind, 'run');
    const admitted = ctx.items.filter((i: any) => i.admitted);
    assert.deepEqual(
      admitted.map((i: any) => i.capsule_id),
      [ids.webhooks],
    );
    assert.ok(
      ctx.items.some((i: any) => !i.admitted && /below top_k 1/.test(i.reason)),
      'candidates that were not admitted are recorded with why',
    );
    const ret = await call('/api/memory/runs/run-42/retrieval');
    assert.equal(ret.body.items.length, ctx.items.length);
    const trace = await call('/api/memory/runs/run-42/trace');
    assert.deepEqual([...new Set(trace.body.events.map((e: any) => e.step))].slice(0, 4), ['query', 'text', 'vector', 'admitted']);
    assert.equal((await call(`/api/memory/capsules/${ids.webhooks}`)).body.capsule.use_count, before + 1);
    await call('/api/capsules/search', { query: 'pizza', chat_id: 'chat-7' });
    assert.equal((await call('/api/memory/runs/chat-7/contexts')).body.contexts[0].owner_kind, 'chat');
    assert.deepEqual((await call('/api/memory/runs/nobody/contexts')).body.contexts, []);
    assert.ok((await call('/api/memory/health')).body.active_context_runs >= 2);
  });

  test('neighbors of a memory are the similar ones', async () => {
    const r = await call(`/api/memory/capsules/${ids.many0}/neighbors?limit=3`);
    assert.equal(r.body.method, 'vector');
    assert.equal(r.body.items.length, 3);
    assert.ok(r.body.items.every((i: any) => /Deployment checklist/.test(i.text)));
  });

  test('bad search input is a 400 naming the field', async () => {
    for (const [body, field] of [
      [{ query: '' }, 'query'],
      [{ query: 'x', top_k: 0 }, 'top_k'],
      [{ query: 'x', top_k: 51 }, 'top_k'],
      [{ query: 'x', source_weight: { web: 1 } }, 'source_weight'],
      [{ query: 'x', source_weight: { chat: -1 } }, 'source_weight'],
      [{ query: 'x', as_of: 'last week' }, 'as_of'],
      [{ query: 'x', layers: ['attic'] }, 'layers'],
    ] as const) {
      const r = await call('/api/capsules/search', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(
        r.body.issues.some((i: any) => i.path.startsWith(field)),
        JSON.stringify(r.body),
      );
    }
    const odd = await call('/api/capsules/search', { query: '"unbalanced AND (quote NEAR' });
    assert.equal(odd.status, 200, 'FTS syntax in a query is treated as words');
  });
});

/** Topic vectors: words of one topic point the same way, so "automobile" finds "car" with no word in common. */
const TOPICS = [
  ['car', 'automobile', 'vehicle', 'tyres', 'garage', 'parked'],
  ['pizza', 'lunch', 'food', 'meal'],
  ['invoice', 'billing', 'payment'],
];
function topicEmbedding(text: string): number[] {
  const v = TOPICS.map(() => 0);
  for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) TOPICS.forEach((t, i) => t.includes(w) && v[i]!++);
  return v;
}

describe('embeddings through the real Ollama client against a fake Ollama', () => {
  let fake: FakeOllama;
  let s: TestServer;
  let call: Call;
  before(async () => {
    fake = await startFakeOllama(undefined, { embed: topicEmbedding });
    s = await startServer({
      AGENTORA_USE_MOCK_OLLAMA: 'false',
      AGENTORA_OLLAMA_URL: fake.url,
      AGENTORA_OLLAMA_EMBED_MODEL: 'nomic-embed-text',
      AGENTORA_MEMORY_EMBED_INTERVAL_MS: '20',
    });
    call = caller(s);
  });
  after(async () => {
    await s?.stop();
    await fake?.close();
  });

  test('memories are embedded in the background and a meaning-only match is found by the vector pass', async () => {
    const car = (await call('/api/memory/capsules', { text: 'The car is parked in garage B.' })).body.capsule;
    await call('/api/memory/capsules', { text: 'We order pizza for lunch.' });
    await call('/api/memory/capsules', { text: 'Invoices go out on the first of the month.' });
    const h = await poll('embeddings stored', async () => {
      const b = (await call('/api/memory/health')).body;
      return b.embeddings.embedded === 3 && b;
    });
    assert.equal(h.embeddings.model, 'nomic-embed-text');
    assert.ok(fake.embedded.includes('The car is parked in garage B.'), 'the texts went to Ollama /api/embed');
    const r = await call('/api/capsules/search', { query: 'automobile' });
    assert.equal(r.body.vector_used, true);
    assert.equal(r.body.items.length, 1, JSON.stringify(r.body.items));
    assert.equal(r.body.items[0].capsule_id, car.capsule_id);
    assert.equal(r.body.items[0].score_breakdown.text_rank, null, 'no word in common');
    assert.equal(r.body.items[0].score_breakdown.vector_cosine, 1);
    assert.ok(fake.embedded.includes('automobile'), 'the query was embedded by Ollama too');
    // The recent / popular pool a meaning-only match comes from is cached between searches: a change shows at once.
    await call(`/api/memory/capsules/${car.capsule_id}/archive`, {});
    assert.deepEqual((await call('/api/capsules/search', { query: 'automobile' })).body.items, [], 'archived: gone from the next search');
    await call(`/api/memory/capsules/${car.capsule_id}/restore`, {});
    assert.equal((await call('/api/capsules/search', { query: 'automobile' })).body.items[0]?.capsule_id, car.capsule_id, 'restored: back at once');
  });

  test('when Ollama goes away, search falls back to full text at once and stops asking for a while', async () => {
    await fake.close();
    const t0 = performance.now();
    const r = await call('/api/capsules/search', { query: 'pizza lunch' });
    assert.equal(r.status, 200);
    assert.equal(r.body.vector_used, false);
    assert.match(r.body.vector_note, /query embedding failed/);
    assert.match(r.body.items[0].text, /pizza/);
    const again = await call('/api/capsules/search', { query: 'invoices month' });
    assert.match(again.body.vector_note, /paused after a failure/);
    assert.ok(performance.now() - t0 < 3000, 'no provider timeout added to each search');
  });
});

describe('embeddings with a model Ollama does not have', () => {
  let fake: FakeOllama;
  let s: TestServer;
  let call: Call;
  before(async () => {
    fake = await startFakeOllama();
    s = await startServer({
      AGENTORA_USE_MOCK_OLLAMA: 'false',
      AGENTORA_OLLAMA_URL: fake.url,
      AGENTORA_OLLAMA_EMBED_MODEL: 'missing-embedder',
      AGENTORA_MEMORY_EMBED_INTERVAL_MS: '20',
    });
    call = caller(s);
  });
  after(async () => {
    await s?.stop();
    await fake?.close();
  });

  test('writes still succeed, full-text retrieval still works, and health says why embeddings are paused', async () => {
    const c = await call('/api/memory/capsules', { text: 'Backups run nightly at 02:00 UTC.' });
    assert.equal(c.status, 201);
    const h = await poll('the embedding error in health', async () => {
      const b = (await call('/api/memory/health')).body;
      return b.embeddings.last_error && b;
    });
    assert.match(h.embeddings.last_error, /not found/);
    assert.equal(h.embeddings.pending, 1);
    const r = await call('/api/capsules/search', { query: 'when do backups run' });
    assert.equal(r.body.items[0].capsule_id, c.body.capsule.capsule_id);
    assert.equal(r.body.vector_used, false);
    assert.match(r.body.vector_note, /full-text only/);
  });
});
