// Where a result that breaks its schema is caught, on the paths that skip per-request work:
// - registry.call checks every result (JSON-RPC, MCP, REST routes without a ready JSON answer);
// - a cached analytic's REST bytes (cachedJson) are made only from a value that passed the method's result
//   schema: a bad value is refused on the miss AND on every later hit (its entry never gets bytes), so a cache
//   hit can never send unchecked JSON; a good entry's hit is byte-identical to its miss apart from
//   cache_metadata, and a write (the analytics generation moving) makes the next answer fresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { defineMethod } from '../../server/src/protocol/define';
import { AppError } from '../../server/src/protocol/errors';
import { implement, ServiceRegistry } from '../../server/src/services/registry';
import { cachedJson } from '../../server/src/services/missions/personas/cache';
import type { ServerContext } from '../../server/src/context';

const Result = z.object({ ok: z.boolean(), n: z.number(), cache_metadata: z.object({ cached: z.boolean() }).loose() });

function fakeCtx(): { ctx: ServerContext; errors: string[]; db: Database.Database } {
  // The one table the cache reads: the analytics generations (migrations 40 / 48 keep it in the real store).
  const db = new Database(':memory:');
  db.exec('CREATE TABLE mission_analytics_gen (k INTEGER PRIMARY KEY, gen INTEGER NOT NULL, refresh_gen INTEGER NOT NULL)');
  db.exec('INSERT INTO mission_analytics_gen VALUES (1, 1, 1)');
  const errors: string[] = [];
  const config = { 'analytics.cacheEnabled': true, 'analytics.cacheTtlSeconds': 600, 'analytics.cacheMaxEntries': 10 };
  const log = { error: (m: string) => errors.push(m), warn() {}, info() {}, debug() {} };
  return { ctx: { db, config, log } as unknown as ServerContext, errors, db };
}

test('registry.call refuses a result that breaks its schema (internal error, logged)', async () => {
  const { ctx, errors } = fakeCtx();
  const spec = defineMethod({
    method: 'agentora/test/broken',
    description: 'returns a bad result',
    params: z.object({}),
    result: z.object({ ok: z.boolean(), n: z.number() }),
  });
  const registry = new ServiceRegistry(ctx, [implement(spec, () => ({ ok: true, n: 'three' }) as never)]);
  await assert.rejects(registry.call('agentora/test/broken', {}, { transport: 'rest', actor: 'http' } as never), (e: unknown) => {
    assert.ok(e instanceof AppError && e.kind === 'internal' && /invalid result/.test(e.message));
    return true;
  });
  assert.ok(errors.some((m) => /does not match its schema/.test(m)));
});

test('a cached analytic never sends bytes of a value that breaks its schema: refused on the miss and on each hit', () => {
  const { ctx } = fakeCtx();
  let computed = 0;
  const bad = () => (computed++, { ok: true, n: 'NaN' as unknown as number });
  for (let i = 0; i < 3; i++)
    assert.throws(
      () => cachedJson(ctx, 'test?bad', bad, Result, 'agentora/test/cached'),
      (e: unknown) => e instanceof AppError && e.kind === 'internal',
    );
  assert.equal(computed, 1, 'computed once: the later calls were cache hits, and each was refused too');
});

test("a cached analytic's hit is its miss's bytes apart from cache_metadata; a write makes the next answer fresh", () => {
  const { ctx, db } = fakeCtx();
  let n = 0;
  const compute = () => ({ ok: true, n: ++n });
  const read = () => JSON.parse(cachedJson(ctx, 'test?good', compute, Result, 'agentora/test/cached').toString('utf8'));
  const miss = read();
  const hit = read();
  assert.deepEqual([miss.cache_metadata.cached, hit.cache_metadata.cached], [false, true]);
  const strip = ({ cache_metadata: _m, ...rest }: Record<string, unknown>) => JSON.stringify(rest);
  assert.equal(strip(hit), strip(miss));
  assert.equal(hit.n, 1);
  db.exec('UPDATE mission_analytics_gen SET gen = gen + 1'); // what the triggers do on a write an analytic reads
  const fresh = read();
  assert.deepEqual([fresh.cache_metadata.cached, fresh.n], [false, 2]);
});
