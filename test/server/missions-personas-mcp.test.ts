// The persona / audit / pattern MCP tools over the real endpoint (the SDK's own client): the three read tools,
// and override_recommendation — a write, so hidden and refused in read-only mode and outside the allowed-tools
// list, and under the persona policy exactly as REST is (a refusal names the rule and changes nothing).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';

async function connect(s: TestServer, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'agentora-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers } }));
  return client;
}
const text = (r: any) => (r.content?.[0]?.text ?? '') as string;

async function finished(s: TestServer, body: Record<string, unknown>): Promise<string> {
  const r = await (
    await s.fetch(`${API}/runs/launch`, { method: 'POST', body: JSON.stringify({ persona_id: 'default', watch: false, ...body }) })
  ).json();
  for (let i = 0; i < 20; i++) {
    const x = await (await s.fetch(`${API}/runs/${r.id}/refresh`, { method: 'POST', body: '{}' })).json();
    if (x.run.terminal) return r.id;
  }
  throw new Error('not finished');
}

describe('MCP: persona, audit and pattern tools', () => {
  test('read tools answer; override_recommendation writes under the persona policy', async () => {
    const s = await startServer({
      AGENTORA_MISSIONS_MCP_ENABLED: 'true',
      AGENTORA_MISSIONS_MCP_API_KEY: 'k-agent-1',
      AGENTORA_PERSONA_POLICY_ENABLED: 'true',
    });
    try {
      const root = await finished(s, { repo: 'acme/mcp', mission_title: 'Root', objective: 'Tidy the CLI' });
      const c = await connect(s, { 'X-API-Key': 'k-agent-1' });
      const pf: any = await c.callTool({ name: 'get_persona_portfolio', arguments: { root_run_id: root } });
      assert.equal(pf.isError, false, text(pf));
      assert.equal(pf.structuredContent.root_run_id, root);
      assert.equal(pf.structuredContent.branches[0].recommendation.action, 'shortlist');

      // Policy: the reason is required — refused, recorded, nothing changed.
      const blocked: any = await c.callTool({ name: 'override_recommendation', arguments: { run_id: root, decision: 'reject_recommendation' } });
      assert.equal(blocked.isError, true);
      assert.match(text(blocked), /override_reason_required/);
      const run = await (await s.fetch(`${API}/runs/${root}`)).json();
      assert.equal(run.recommendation_state, 'pending');
      const ok: any = await c.callTool({
        name: 'override_recommendation',
        arguments: { run_id: root, decision: 'accept_recommendation', note: 'agent agrees' },
      });
      assert.equal(ok.isError, false, text(ok));
      assert.equal(ok.structuredContent.run.recommendation_state, 'accepted');

      const audit: any = await c.callTool({ name: 'get_audit_summary', arguments: { run_id: root } });
      assert.equal(audit.structuredContent.policy_blocked_events, 1);
      assert.equal(audit.structuredContent.by_type.recommendation_accepted, 1);
      const events = audit.structuredContent.latest_events;
      assert.match(events[0].actor, /MCP key/, 'the decision names the credential it came with');
      assert.equal(events[1].rule, 'override_reason_required');

      const sug: any = await c.callTool({ name: 'get_suggestions', arguments: { kind: 'new-mission', repo: 'acme/mcp' } });
      assert.equal(sug.isError, false, text(sug));
      assert.deepEqual(sug.structuredContent.suggestions, []);
      const noRun: any = await c.callTool({ name: 'get_suggestions', arguments: { kind: 'replay' } });
      assert.equal(noRun.isError, true);
      assert.match(text(noRun), /run_id/);
      await c.close();
    } finally {
      await s.stop();
    }
  });

  test('read-only mode and the allowed-tools list keep override_recommendation out', async () => {
    const ro = await startServer({ AGENTORA_MISSIONS_MCP_ENABLED: 'true', AGENTORA_MISSIONS_MCP_READ_ONLY: 'true' });
    const allow = await startServer({
      AGENTORA_MISSIONS_MCP_ENABLED: 'true',
      AGENTORA_MISSIONS_MCP_ALLOWED_TOOLS: 'get_persona_portfolio,get_audit_summary',
    });
    try {
      for (const [s, why] of [
        [ro, /read-only/],
        [allow, /ALLOWED_TOOLS/],
      ] as const) {
        const root = await finished(s, { repo: 'acme/ro', mission_title: 'R', objective: 'Read only' });
        const c = await connect(s, { Authorization: `Bearer ${s.token}` });
        const names = (await c.listTools()).tools.map((t) => t.name);
        assert.ok(!names.includes('override_recommendation'));
        assert.ok(names.includes('get_persona_portfolio'));
        const r: any = await c.callTool({
          name: 'override_recommendation',
          arguments: { run_id: root, decision: 'accept_recommendation', note: 'x' },
        });
        assert.equal(r.isError, true);
        assert.match(text(r), why);
        assert.equal((await (await s.fetch(`${API}/runs/${root}`)).json()).recommendation_state, 'pending', 'nothing changed');
        const compat = await s.fetch(`${API}/mcp/call`, {
          method: 'POST',
          body: JSON.stringify({ tool: 'override_recommendation', args: { run_id: root, decision: 'accept_recommendation', note: 'x' } }),
        });
        assert.equal(compat.status, 403);
        await c.close();
      }
    } finally {
      await Promise.all([ro.stop(), allow.stop()]);
    }
  });
});
