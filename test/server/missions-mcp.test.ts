// The MCP endpoint proven with the SDK's own client (Client + StreamableHTTPClientTransport), and the policy
// (enabled, API key, read-only, allowed tools, Origin) on both doors: /mcp and the compatibility routes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer, type TestServer } from '../helpers/server';

async function connect(s: TestServer, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'agentora-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers } }));
  return client;
}

const text = (r: any) => (r.content?.[0]?.text ?? '') as string;

function decisions(s: TestServer): { type: string; note: string; data_json: string }[] {
  const db = new Database(path.join(s.dataDir, 'agentora.db'), { readonly: true });
  try {
    return db.prepare("SELECT type, note, data_json FROM mission_decisions WHERE type = 'policy_blocked_action' ORDER BY id").all() as never;
  } finally {
    db.close();
  }
}

describe('MCP: tools over the real endpoint', () => {
  test('the seven mission tools run the loop through the SDK client; resources read a mission', async () => {
    const s = await startServer({ AGENTORA_MISSIONS_MCP_ENABLED: 'true' });
    try {
      const c = await connect(s, { Authorization: `Bearer ${s.token}` });
      const tools = (await c.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(tools, [
        'export_missions',
        'fork_mission',
        'get_audit_summary',
        'get_lineage',
        'get_mission',
        'get_mission_timeline',
        'get_persona_portfolio',
        'get_portfolio',
        'get_suggestions',
        'launch_mission',
        'list_missions',
        'override_recommendation',
        'prepare_mission',
        'refresh_mission',
        'writeback_mission',
      ]);
      const listTool = (await c.listTools()).tools.find((t) => t.name === 'list_missions')!;
      assert.ok(Object.keys(listTool.inputSchema.properties ?? {}).includes('mission_score_min'), 'tool schemas come from the protocol schemas');
      const prep: any = await c.callTool({
        name: 'prepare_mission',
        arguments: { repo: 'acme/mcp', mission_title: 'Via MCP', objective: 'Prove MCP works' },
      });
      assert.equal(prep.isError, false);
      const runId = prep.structuredContent.run_id;
      const launched: any = await c.callTool({ name: 'launch_mission', arguments: { run_id: runId } });
      assert.equal(launched.structuredContent.run.status, 'queued');
      let r: any;
      for (let i = 0; i < 5; i++) r = await c.callTool({ name: 'refresh_mission', arguments: { run_id: runId } });
      assert.equal(r.structuredContent.run.status, 'succeeded');
      const wb: any = await c.callTool({ name: 'writeback_mission', arguments: { run_id: runId, tags: ['mcp'] } });
      assert.equal(wb.structuredContent.writeback.status, 'succeeded');
      const got: any = await c.callTool({ name: 'get_mission', arguments: { run_id: runId } });
      assert.match(got.structuredContent.run.pr_url, /pull/);
      const list: any = await c.callTool({ name: 'list_missions', arguments: { repo: 'acme/mcp' } });
      assert.equal(list.structuredContent.total, 1);
      const tl: any = await c.callTool({ name: 'get_mission_timeline', arguments: { run_id: runId } });
      assert.ok(tl.structuredContent.events.length > 5);
      const bad: any = await c.callTool({ name: 'prepare_mission', arguments: { repo: 'nope' } });
      assert.equal(bad.isError, true);
      assert.match(text(bad), /repo/);
      const missing: any = await c.callTool({ name: 'get_mission', arguments: { run_id: 'run_missing' } });
      assert.equal(missing.isError, true);
      assert.match(text(missing), /not found/);
      const res = await c.readResource({ uri: `agentora://missions/${runId}` });
      assert.match(String((res.contents[0] as { text?: string }).text), /"status":"succeeded"/);
      await c.close();
      // Origin validation (DNS rebinding / cross-site): a foreign origin is refused even with the token.
      const foreign = await s.fetch('/mcp', {
        method: 'POST',
        headers: { origin: 'https://evil.example', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      assert.equal(foreign.status, 403);
      const noAuth = await s.fetch('/mcp', { auth: false, method: 'POST', body: '{}' });
      assert.equal(noAuth.status, 401);
    } finally {
      await s.stop();
    }
  });

  test('disabled: /mcp and the compatibility routes are 404', async () => {
    const s = await startServer();
    try {
      for (const [p, m] of [
        ['/mcp', 'POST'],
        ['/api/integrations/mcp/capabilities', 'GET'],
        ['/api/integrations/mcp/call', 'POST'],
      ] as const) {
        const r = await s.fetch(p, { method: m, ...(m === 'POST' ? { body: JSON.stringify({ tool: 'list_missions' }) } : {}) });
        assert.equal(r.status, 404, p);
        assert.match((await r.json()).message, /AGENTORA_MISSIONS_MCP_ENABLED/);
      }
    } finally {
      await s.stop();
    }
  });

  test('API key required when set (Bearer or X-API-Key); read-only hides and refuses write tools; refusals are recorded', async () => {
    const s = await startServer({
      AGENTORA_MISSIONS_MCP_ENABLED: 'true',
      AGENTORA_MISSIONS_MCP_API_KEY: 'k-secret-123',
      AGENTORA_MISSIONS_MCP_READ_ONLY: 'true',
    });
    try {
      await assert.rejects(connect(s, { Authorization: `Bearer ${s.token}` }), /401|Invalid MCP API key/);
      await assert.rejects(connect(s, {}), /401|Missing MCP API key/);
      const c = await connect(s, { Authorization: 'Bearer k-secret-123' });
      const names = (await c.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(names, [
        'export_missions',
        'get_audit_summary',
        'get_lineage',
        'get_mission',
        'get_mission_timeline',
        'get_persona_portfolio',
        'get_portfolio',
        'get_suggestions',
        'list_missions',
        'prepare_mission',
      ]);
      const refused: any = await c.callTool({ name: 'launch_mission', arguments: { repo: 'acme/x', mission_title: 'T', objective: 'O' } });
      assert.equal(refused.isError, true);
      assert.match(text(refused), /read-only/);
      await c.close();
      const viaKey = await connect(s, { 'X-API-Key': 'k-secret-123' });
      assert.ok((await viaKey.listTools()).tools.length > 0);
      await viaKey.close();
      // Compatibility routes: the same policy.
      const cap = await s.fetch('/api/integrations/mcp/capabilities', { headers: { 'x-api-key': 'k-secret-123' } });
      const capBody = await cap.json();
      assert.equal(capBody.ok, true);
      assert.equal(capBody.read_only, true);
      assert.deepEqual(capBody.tools.map((t: any) => t.name).sort(), names);
      assert.equal((await s.fetch('/api/integrations/mcp/capabilities')).status, 401, 'the server token is not the MCP key');
      const call = await s.fetch('/api/integrations/mcp/call', {
        method: 'POST',
        headers: { 'x-api-key': 'k-secret-123' },
        body: JSON.stringify({ tool: 'refresh_mission', args: { run_id: 'run_x' } }),
      });
      assert.equal(call.status, 403);
      assert.match((await call.json()).message, /read-only/);
      const ok = await s.fetch('/api/integrations/mcp/call', {
        method: 'POST',
        headers: { 'x-api-key': 'k-secret-123' },
        body: JSON.stringify({ tool: 'list_missions', args: { limit: 5 } }),
      });
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).result.ok, true);
      const unknown = await s.fetch('/api/integrations/mcp/call', {
        method: 'POST',
        headers: { 'x-api-key': 'k-secret-123' },
        body: JSON.stringify({ tool: 'rm_rf', args: {} }),
      });
      assert.equal(unknown.status, 404);
      const badBody = await s.fetch('/api/integrations/mcp/call', {
        method: 'POST',
        headers: { 'x-api-key': 'k-secret-123' },
        body: JSON.stringify({ args: [] }),
      });
      assert.equal(badBody.status, 400);
      const d = decisions(s);
      assert.deepEqual(
        d.map((x) => JSON.parse(x.data_json).tool),
        ['launch_mission', 'refresh_mission', 'rm_rf'],
      );
      assert.deepEqual(
        d.map((x) => JSON.parse(x.data_json).door),
        ['mcp', 'compat', 'compat'],
      );
      // The rest of the API still uses the server token.
      assert.equal((await s.fetch('/api/integrations/runs')).status, 200);
    } finally {
      await s.stop();
    }
  });

  test('allowed-tools list is enforced on both doors', async () => {
    const s = await startServer({ AGENTORA_MISSIONS_MCP_ENABLED: 'true', AGENTORA_MISSIONS_MCP_ALLOWED_TOOLS: 'list_missions,get_mission' });
    try {
      const c = await connect(s, { Authorization: `Bearer ${s.token}` });
      assert.deepEqual((await c.listTools()).tools.map((t) => t.name).sort(), ['get_mission', 'list_missions']);
      const refused: any = await c.callTool({ name: 'prepare_mission', arguments: { repo: 'acme/x', mission_title: 'T', objective: 'O' } });
      assert.equal(refused.isError, true);
      assert.match(text(refused), /AGENTORA_MISSIONS_MCP_ALLOWED_TOOLS/);
      await c.close();
      const call = await s.fetch('/api/integrations/mcp/call', { method: 'POST', body: JSON.stringify({ tool: 'prepare_mission', args: {} }) });
      assert.equal(call.status, 403);
      const runs = await (await s.fetch('/api/integrations/runs')).json();
      assert.equal(runs.length, 0, 'nothing was prepared');
    } finally {
      await s.stop();
    }
  });
});
