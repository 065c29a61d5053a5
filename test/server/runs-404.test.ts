// "Unknown run → 404 on every run route" (issue 13), checked over every route the protocol declares under
// /api/runs/{id}, /api/exports/run/{id} and /api/analytics/runs/{id} — a route added later is checked too — plus
// the SSE stream, on the real server. A valid body is sent where the route needs one, so the 404 is about the run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { allMethods, type RestRoute } from '../../server/src/protocol';
import { startServer, type TestServer } from '../helpers/server';

let srv: TestServer;
before(async () => {
  srv = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true' });
});
after(() => srv.stop());

/** Bodies that satisfy a route's params, so only the unknown run can make it fail. */
const BODIES: Record<string, unknown> = {
  '/api/runs/:id/clone-agent': { agent_id: 1 },
  '/api/runs/:id/attachments': { filename: 'a.txt', text: 'hello' },
};

test('every run route answers 404 for an unknown run, naming it', async () => {
  const routes = allMethods
    .flatMap((m) => (m.rest ? ((Array.isArray(m.rest) ? m.rest : [m.rest]) as RestRoute[]) : []))
    .filter((r) => /^\/api\/(runs\/:id|exports\/run\/:id|analytics\/runs\/:id)/.test(r.path));
  assert.ok(routes.length >= 15, `only ${routes.length} run routes found`);
  const wrong: string[] = [];
  for (const r of [...routes, { verb: 'GET', path: '/api/runs/:id/stream' } as RestRoute]) {
    const p = r.path.replace(':id', 'run_does_not_exist');
    const res = await srv.fetch(p, r.verb === 'GET' ? {} : { method: r.verb, body: JSON.stringify(BODIES[r.path] ?? {}) });
    const text = await res.text();
    if (res.status !== 404 || !/run_does_not_exist/.test(text)) wrong.push(`${r.verb} ${r.path}: ${res.status} ${text.slice(0, 120)}`);
  }
  assert.deepEqual(wrong, []);
});
