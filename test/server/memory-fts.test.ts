// Issue 9 item 3: editing a memory must never corrupt full-text search. Before migration 23 the two FTS5 update
// triggers fired insert-before-delete, so an edited memory vanished from search and search / neighbors answered
// 500 "database disk image is malformed". Proven here through the real server:
// - edit → search finds the new text and not the old, search and neighbors answer 200;
// - a store damaged by the old triggers (built at schema 22) is repaired by migration 23 when the server starts;
// - fast-check fuzzed sequences of edits, trust changes, archive / restore, delete and inserts keep the index
//   exactly in step with the active rows: FTS5 'integrity-check', PRAGMA integrity_check, and every word of every
//   memory found for active memories and never for the others.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { openDatabase } from '../../server/src/store/db';
import { migrations } from '../../server/src/store/migrations';
import { startServer, type TestServer } from '../helpers/server';

type Call = (path: string, body?: unknown, method?: string) => Promise<{ status: number; body: any }>;
const caller =
  (s: TestServer): Call =>
  async (p, body, method = body === undefined ? 'GET' : 'POST') => {
    const res = await s.fetch(p, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: await res.json() };
  };
const searchIds = async (call: Call, query: string): Promise<number[]> => {
  const r = await call('/api/memory/search', { query, top_k: 50 });
  assert.equal(r.status, 200, `search "${query}": ${JSON.stringify(r.body)}`);
  return r.body.items.map((i: any) => i.capsule_id);
};

describe('memory edits keep full-text search intact', () => {
  let s: TestServer;
  let call: Call;
  before(async () => {
    s = await startServer({ AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false' });
    call = caller(s);
  });
  after(() => s?.stop());

  test('edit → search finds the new text, not the old; search and neighbors never 500', async () => {
    const a = (await call('/api/memory/capsules', { text: 'The staging cluster runs on kubernetes in frankfurt.' })).body.capsule.capsule_id;
    const b = (await call('/api/memory/capsules', { text: 'The staging cluster is backed up every night.' })).body.capsule.capsule_id;
    assert.deepEqual(await searchIds(call, 'frankfurt'), [a]);
    for (let i = 0; i < 5; i++) {
      // Shares most words with the old text: exactly the edit the old triggers broke.
      const e = await call(`/api/memory/capsules/${a}`, { text: `The staging cluster runs on nomad in dublin, revision ${i}.` }, 'PATCH');
      assert.equal(e.status, 200, JSON.stringify(e.body));
      // A change that does not touch the text (trust) must not disturb the index either.
      assert.equal((await call(`/api/memory/capsules/${b}`, { trust: 0.5 + i / 20 }, 'PATCH')).status, 200);
    }
    assert.deepEqual(await searchIds(call, 'dublin'), [a]);
    assert.deepEqual(await searchIds(call, 'frankfurt'), []);
    assert.deepEqual((await searchIds(call, 'staging cluster')).sort(), [a, b].sort());
    assert.deepEqual(await searchIds(call, 'backed'), [b]);
    for (const id of [a, b]) {
      const n = await call(`/api/memory/capsules/${id}/neighbors`);
      assert.equal(n.status, 200, JSON.stringify(n.body));
    }
  });
});

describe('migration 23 repairs an index damaged by the old triggers', () => {
  let dir: string;
  let s: TestServer | undefined;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'agentora-fts-'));
  });
  after(async () => {
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a store at schema 22 with edited memories searches correctly after the upgrade', async () => {
    const db = openDatabase(path.join(dir, 'agentora.db'), { migrations: migrations.filter((m) => m.version < 23) });
    // Schema-22 SQL (today's store functions know columns 22 lacks), updating text and status together as the
    // store's update statement does.
    const now = new Date().toISOString();
    const ins =
      db.prepare(`INSERT INTO memories (text, kind, source, scope, layer, trust, touched_at, created_at, updated_at, valid_from, status, norm_hash)
      VALUES (?, 'fact', 'operator', 'workspace', 'semantic', 0.6, ?, ?, ?, ?, 'active', ?)`);
    const mk = (text: string) => Number(ins.run(text, now, now, now, now, text).lastInsertRowid);
    const upd = db.prepare('UPDATE memories SET text = ?, status = status, trust = ? WHERE id = ?');
    const a = mk('alpha release notes mention the gamma flag');
    const b = mk('the deploy runs nightly from the main branch');
    for (let i = 0; i < 10; i++) {
      upd.run(`alpha release notes mention the gamma flag ${i}`, 0.6, a);
      upd.run('the deploy runs nightly from the main branch', 0.6 + i / 100, b);
    }
    // The damage the issue describes: the edited memory and the trust-edited one are gone from search.
    const match = (q: string) =>
      (db.prepare('SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?').all(q) as { rowid: number }[]).map((r) => r.rowid);
    assert.deepEqual(match('gamma'), []);
    assert.deepEqual(match('deploy'), []);
    assert.throws(() => db.exec("INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 1)"), /malformed/);
    db.close();

    s = await startServer({ AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false' }, 15000, { dataDir: dir });
    const call = caller(s);
    assert.deepEqual(await searchIds(call, 'gamma'), [a]);
    assert.deepEqual(await searchIds(call, 'deploy'), [b]);
    assert.equal((await call(`/api/memory/capsules/${a}/neighbors`)).status, 200);
    await s.stop();
    s = undefined;
    const after = openDatabase(path.join(dir, 'agentora.db'));
    try {
      // Every row is active here, so the check against the content table applies too.
      after.exec("INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 1)");
      assert.deepEqual(after.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    } finally {
      after.close();
    }
  });
});

describe('fuzzed edits keep the index in step with the active rows', () => {
  const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'deploy', 'staging', 'invoice', 'kubernetes', 'nightly', 'backup', 'token', 'ocean'];
  const text = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 6 }).map((w) => w.join(' '));
  const op = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), text }),
    fc.record({ kind: fc.constant('edit' as const), at: fc.nat(), text }),
    fc.record({ kind: fc.constant('trust' as const), at: fc.nat(), trust: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({ kind: fc.constant('archive' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('restore' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  );
  let s: TestServer;
  let call: Call;
  before(async () => {
    s = await startServer({ AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false' });
    call = caller(s);
  });
  after(() => s?.stop());

  /** The database file, read beside the running server (WAL: the checks never block it for long). */
  function checkIndex(): void {
    const db = openDatabase(path.join(s.dataDir, 'agentora.db'));
    try {
      db.exec("INSERT INTO memories_fts (memories_fts) VALUES ('integrity-check')");
      assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      const rows = db.prepare('SELECT id, text, status FROM memories').all() as { id: number; text: string; status: string }[];
      // The rowids each word matches, from the index alone. (Not `MATCH ? AND rowid = ?`: on an external-content
      // table that plan reads the content row and answers for archived rows too.)
      const matchQ = db.prepare('SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?');
      const matches = new Map(WORDS.map((w) => [w, new Set((matchQ.all(`"${w}"`) as { rowid: number }[]).map((r) => r.rowid))]));
      for (const r of rows) {
        for (const w of new Set(r.text.split(/\s+/).filter((x) => WORDS.includes(x)))) {
          assert.equal(matches.get(w)!.has(r.id), r.status === 'active', `memory ${r.id} (${r.status}) "${r.text}": word ${w}`);
        }
      }
      // And nothing indexed beyond the active rows (the docsize shadow table has one row per indexed document).
      const indexed = (db.prepare('SELECT COUNT(*) AS n FROM memories_fts_docsize').get() as { n: number }).n;
      assert.equal(indexed, rows.filter((r) => r.status === 'active').length);
    } finally {
      db.close();
    }
  }

  test('integrity-check, PRAGMA integrity_check and word-by-word agreement after every sequence', async () => {
    const ids: number[] = [];
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        for (const o of ops) {
          if (o.kind === 'insert' || ids.length === 0) {
            // A unique tail keeps exact-duplicate detection from refusing the insert.
            const t = o.kind === 'insert' ? o.text : 'alpha';
            const r = await call('/api/memory/capsules', { text: `${t} n${++seq}` });
            assert.equal(r.status, 201, JSON.stringify(r.body));
            ids.push(r.body.capsule.capsule_id);
            continue;
          }
          const id = ids[o.at % ids.length]!;
          const r =
            o.kind === 'edit'
              ? await call(`/api/memory/capsules/${id}`, { text: `${o.text} e${++seq}` }, 'PATCH')
              : o.kind === 'trust'
                ? await call(`/api/memory/capsules/${id}`, { trust: Math.round(o.trust * 100) / 100 }, 'PATCH')
                : o.kind === 'delete'
                  ? await call(`/api/memory/capsules/${id}`, undefined, 'DELETE')
                  : await call(`/api/memory/capsules/${id}/${o.kind}`, {});
          // A refused change (editing a deleted memory, restoring an active one) is a 4xx, never a 500.
          assert.ok(r.status < 500, `${o.kind} ${id}: ${r.status} ${JSON.stringify(r.body)}`);
        }
        const q = await call('/api/memory/search', { query: 'alpha beta deploy', top_k: 20 });
        assert.equal(q.status, 200, JSON.stringify(q.body));
        const n = await call(`/api/memory/capsules/${ids[ids.length - 1]}/neighbors`);
        assert.ok(n.status === 200 || n.status === 404 || n.status === 409, `neighbors: ${n.status} ${JSON.stringify(n.body)}`);
        checkIndex();
      }),
      { numRuns: 40, includeErrorInReport: true },
    );
  });
});
