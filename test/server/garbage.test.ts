// Property test over the whole REST surface: whatever garbage arrives — wrong types, huge numbers, nested junk,
// unknown fields, non-object bodies, odd path ids — every route answers with a 2xx or a 4xx in our error shape,
// never a 5xx or a dropped connection. New routes are covered automatically (the list comes from the contract).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allMethods, type RestRoute } from '../../server/src/protocol';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
before(async () => {
  s = await startServer();
});
after(() => s?.stop());

const routes = allMethods.flatMap((m) =>
  (m.rest ? ((Array.isArray(m.rest) ? m.rest : [m.rest]) as RestRoute[]) : []).map((r) => ({ method: m.method, ...r })),
);

const junk = fc.oneof(
  fc.anything({ maxDepth: 2, maxKeys: 4, withBigInt: false }),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, [], {}, -1, 1e308, '', ' ', '../../etc/passwd', '<script>', "'; DROP TABLE meta; --"),
);
const body = fc.oneof(
  fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('limit', 'offset', 'id', 'query', 'top_k', 'params', 'tool_name')), junk, {
    maxKeys: 5,
  }),
  junk,
);
const pathId = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.integer().map(String), fc.constant('..%2F..'));

function fillPath(p: string, id: string): string {
  return p.replace(/:(\w+)/g, () => encodeURIComponent(id));
}

test(`garbage on every REST route (${routes.length} routes) never yields a 5xx`, async () => {
  assert.ok(routes.length >= 7);
  for (const r of routes) {
    await fc.assert(
      fc.asyncProperty(body, pathId, async (b, id) => {
        const url = fillPath(r.path, id);
        const init: RequestInit =
          r.verb === 'GET' || r.verb === 'DELETE'
            ? {}
            : { method: r.verb, headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) ?? 'null' };
        const q =
          r.verb === 'GET' && b && typeof b === 'object' && !Array.isArray(b)
            ? '?' + new URLSearchParams(Object.entries(b).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')])).toString()
            : '';
        const res = await s.fetch(url + q, r.verb === 'DELETE' ? { method: 'DELETE' } : init);
        const text = await res.text();
        assert.ok(
          res.status < 500,
          `${r.verb} ${r.path} (${r.method}) → ${res.status} for ${JSON.stringify(b)?.slice(0, 200)}: ${text.slice(0, 300)}`,
        );
        if (res.status === 400) assert.match(JSON.parse(text).message, /Invalid/, `${r.verb} ${r.path}: a 400 names what is wrong`);
      }),
      { numRuns: 12, seed: 20261124 },
    );
  }
});

test('JSON-RPC over HTTP: garbage envelopes and params are JSON-RPC errors, never 5xx', async () => {
  const methods = allMethods.map((m) => m.method);
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.constantFrom(...methods), fc.string()), junk, async (method, params) => {
      const res = await s.fetch('/rpc', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      });
      assert.ok(res.status < 500, `${method} → ${res.status}`);
      const reply = await res.json();
      assert.ok('result' in reply || (reply.error && typeof reply.error.code === 'number'), JSON.stringify(reply).slice(0, 200));
    }),
    { numRuns: 60, seed: 7 },
  );
});
