// Which doors serve which method, for which credential — walked over EVERY method of the contract:
// - editor-scoped methods (e.g. setWorkspaceFolders) answer on the language-server connection only: /rpc says
//   "method not found … editor", REST has no route, MCP has no tool;
// - an agent credential on any operator method is 403 naming the method and why, on REST and on /rpc, and is
//   let through (to validation) on every agent method;
// - the operator token reaches every non-editor method on both HTTP doors.
// Nothing here executes a side effect: refused calls stop at the door, allowed ones stop at validation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allMethods, type AnyMethod, type RestRoute } from '../../server/src/protocol';
import { MISSION_TOOLS } from '../../server/src/services/missions/mcp/tools';
import { startServer, type TestServer } from '../helpers/server';
import { startLspServer } from '../helpers/lsp';

const scopeOf = (m: AnyMethod) => m.scope ?? 'operator';
const routesOf = (m: AnyMethod): RestRoute[] => (m.rest ? (Array.isArray(m.rest) ? m.rest : [m.rest]) : []);
const fill = (p: string) => p.replace(/:[a-z_]+/g, '1');

async function rpc(s: TestServer, auth: string, method: string, params: unknown) {
  const res = await s.fetch('/rpc', {
    method: 'POST',
    headers: { authorization: `Bearer ${auth}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return { status: res.status, body: (await res.json()) as { result?: unknown; error?: { code: number; message: string } } };
}

describe('doors: every method, every HTTP door, both credentials', () => {
  let s: TestServer;
  let agent: string;
  before(async () => {
    s = await startServer({ AGENTORA_MISSIONS_MCP_ENABLED: 'true' });
    const res = await s.fetch('/api/credentials', { method: 'POST', body: JSON.stringify({ name: 'walker' }) });
    assert.equal(res.status, 201);
    agent = ((await res.json()) as { secret: string }).secret;
  });
  after(() => s.stop());

  test('the contract marks agent and editor methods (sanity: the walk below covers both kinds)', () => {
    const editor = allMethods.filter((m) => scopeOf(m) === 'editor').map((m) => m.method);
    assert.ok(editor.includes('agentora/actions/setWorkspaceFolders'));
    for (const m of allMethods.filter((x) => scopeOf(x) === 'editor'))
      assert.equal(routesOf(m).length, 0, `${m.method} is editor-only and must not declare a REST route`);
    const agentMethods = allMethods.filter((m) => scopeOf(m) === 'agent').map((m) => m.method);
    for (const m of ['agentora/actions/propose', 'agentora/actions/get', 'agentora/memory/search', 'agentora/memory/create', 'agentora/missions/get'])
      assert.ok(agentMethods.includes(m), m);
    for (const m of [
      'agentora/actions/approve',
      'agentora/actions/deny',
      'agentora/actions/createRule',
      'agentora/actions/revokeGrant',
      'agentora/missions/enableIntegration',
      'agentora/credentials/create',
    ])
      assert.equal(scopeOf(allMethods.find((x) => x.method === m)!), 'operator', m);
    // MCP serves mission tools only, and each is an agent method (MCP keys are agent credentials).
    for (const t of MISSION_TOOLS) assert.equal(scopeOf(t.method), 'agent', `MCP tool ${t.name}`);
  });

  test('/rpc: editor methods are not served; operator methods refuse the agent with 403; agent methods let it through', async () => {
    let walked = 0;
    for (const m of allMethods) {
      walked++;
      const scope = scopeOf(m);
      // params "x" is invalid for every method: a served, allowed call stops at validation (-32602), nothing runs.
      const asAgent = await rpc(s, agent, m.method, 'x');
      const asOperator = await rpc(s, s.token, m.method, 'x');
      if (scope === 'editor') {
        for (const r of [asAgent, asOperator]) {
          assert.equal(r.body.error?.code, -32601, `${m.method} must not be served on /rpc`);
          assert.match(r.body.error!.message, /editor's own connection/);
        }
        continue;
      }
      assert.equal(
        asOperator.body.error?.code,
        -32602,
        `${m.method}: the operator reaches validation on /rpc (got ${JSON.stringify(asOperator.body.error)})`,
      );
      if (scope === 'agent') {
        assert.equal(
          asAgent.body.error?.code,
          -32602,
          `${m.method} is an agent method: the agent reaches validation (got ${JSON.stringify(asAgent.body.error)})`,
        );
      } else {
        assert.equal(asAgent.status, 403, `${m.method}: agent on an operator method is HTTP 403`);
        assert.equal(asAgent.body.error?.code, -32003);
        assert.ok(
          asAgent.body.error!.message.includes(m.method) &&
            /needs the operator credential/.test(asAgent.body.error!.message) &&
            /'walker'/.test(asAgent.body.error!.message),
          asAgent.body.error!.message,
        );
      }
    }
    assert.equal(walked, allMethods.length);
  });

  test('REST: every declared route — agent 403 on operator routes, allowed on agent routes; editor methods have no route', async () => {
    let routes = 0;
    for (const m of allMethods) {
      for (const r of routesOf(m)) {
        routes++;
        const p = fill(r.path);
        const hasBody = r.verb !== 'GET';
        const scope = scopeOf(m);
        if (scope === 'operator') {
          const res = await s.fetch(p, { method: r.verb, headers: { authorization: `Bearer ${agent}` }, ...(hasBody ? { body: '{}' } : {}) });
          if (p === '/api/health' || p === '/api/system/health') continue; // open routes (no credential needed)
          const body = (await res.json()) as { error: string; message: string };
          assert.equal(res.status, 403, `${r.verb} ${r.path} (${m.method}) with an agent credential: ${JSON.stringify(body)}`);
          assert.equal(body.error, 'forbidden');
          assert.ok(body.message.includes(m.method) && body.message.includes('needs the operator credential'), body.message);
        } else {
          // Agent methods: a JSON array body stops at the door's body check (400), GETs run (they only read).
          const res = await s.fetch(p, { method: r.verb, headers: { authorization: `Bearer ${agent}` }, ...(hasBody ? { body: '[]' } : {}) });
          const body = (await res.json()) as { message?: string };
          assert.notEqual(res.status, 401, `${r.verb} ${r.path}`);
          assert.ok(
            !(body.message ?? '').includes('needs the operator credential'),
            `${r.verb} ${r.path} (${m.method}) refused the agent: ${body.message}`,
          );
        }
        // The operator reaches every route (a non-object body is a 400 from the door itself, before any service).
        const op = await s.fetch(p, { method: r.verb, ...(hasBody ? { body: '[]' } : {}) });
        assert.ok(op.status !== 401 && op.status !== 403, `${r.verb} ${r.path} refused the operator: ${op.status}`);
        if (hasBody) assert.equal(op.status, 400, `${r.verb} ${r.path}`);
      }
    }
    assert.ok(routes >= 80, `walked ${routes} routes`);
    // And the editor-only method has no route at all on any verb of its would-be path.
    const res = await s.fetch('/api/actions/workspace-folders', { method: 'POST', body: JSON.stringify({ folders: ['/'] }) });
    assert.equal(res.status, 404);
  });

  test("routes that are not methods: the event stream is the operator's; an unknown credential is 401", async () => {
    const ev = await s.fetch('/api/events', { headers: { authorization: `Bearer ${agent}` } });
    assert.equal(ev.status, 403);
    assert.match(((await ev.json()) as { message: string }).message, /GET \/api\/events needs the operator credential/);
    const bad = await s.fetch('/api/actions/pending', { headers: { authorization: 'Bearer agt_not-a-real-one' } });
    assert.equal(bad.status, 401);
  });

  test('the attack of issue 9 #10: setWorkspaceFolders through /rpc with the operator token cannot widen the roots', async () => {
    const before = ((await (await s.fetch('/api/actions/policy')).json()) as { allowed_roots: string[] }).allowed_roots;
    const r = await rpc(s, s.token, 'agentora/actions/setWorkspaceFolders', { folders: ['/'] });
    assert.equal(r.body.error?.code, -32601);
    const now = ((await (await s.fetch('/api/actions/policy')).json()) as { allowed_roots: string[] }).allowed_roots;
    assert.deepEqual(now, before);
    assert.ok(!now.includes('/'));
  });
});

describe('doors: the editor connection serves editor methods', () => {
  test('setWorkspaceFolders answers over the language-server connection', async () => {
    const lsp = await startLspServer({ 'server.port': 0 });
    try {
      const out = (await lsp.conn.sendRequest('agentora/actions/setWorkspaceFolders', { folders: [lsp.dataDir] })) as {
        ok: boolean;
        folders: string[];
      };
      assert.deepEqual(out, { ok: true, folders: [lsp.dataDir] });
      const who = (await lsp.conn.sendRequest('agentora/credentials/whoami', {})) as { kind: string };
      assert.equal(who.kind, 'editor');
    } finally {
      await lsp.stop();
    }
  });
});
