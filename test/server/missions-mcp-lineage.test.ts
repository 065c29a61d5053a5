// The lineage tools (fork_mission, get_lineage, get_portfolio, export_missions) through the MCP SDK's own client
// against the real endpoint, and the same doors as the loop tools: read-only mode hides and refuses fork_mission
// (and records the refusal) while the read-only tools stay visible; the allowed-tools list applies to them too.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer, type TestServer } from '../helpers/server';

const API = '/api/integrations';

async function connect(s: TestServer, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'agentora-lineage-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers } }));
  return client;
}
const text = (r: any) => (r.content?.[0]?.text ?? '') as string;
const json = async (r: Promise<Response>) => (await r).json() as Promise<any>;
const post = (s: TestServer, p: string, body: unknown, headers: Record<string, string> = {}) =>
  s.fetch(API + p, { method: 'POST', body: JSON.stringify(body), headers });

describe('MCP: lineage tools', () => {
  test('fork_mission, get_lineage, get_portfolio and export_missions work through the SDK client', async () => {
    const s = await startServer({ AGENTORA_MISSIONS_MCP_ENABLED: 'true' });
    try {
      const root = await json(post(s, '/runs/launch', { repo: 'acme/mcp-lineage', mission_title: 'Root', objective: 'Fix it', dry_run: true }));
      const c = await connect(s, { Authorization: `Bearer ${s.token}` });
      const tools = (await c.listTools()).tools;
      const fork = tools.find((t) => t.name === 'fork_mission')!;
      assert.ok(Object.keys(fork.inputSchema.properties ?? {}).includes('replay_kind'), 'the tool schema is the protocol schema');
      assert.equal(fork.annotations?.readOnlyHint, false);
      assert.equal(tools.find((t) => t.name === 'get_portfolio')!.annotations?.readOnlyHint, true);

      const forked: any = await c.callTool({ name: 'fork_mission', arguments: { run_id: root.id, replay_kind: 'what_if', fork_reason: 'via MCP' } });
      assert.equal(forked.isError, false, text(forked));
      const child = forked.structuredContent.run;
      assert.equal(child.parent_run_id, root.id);
      assert.equal(child.replay_kind, 'what_if');
      assert.equal(child.fork_reason, 'via MCP');

      const lin: any = await c.callTool({ name: 'get_lineage', arguments: { run_id: child.run_id } });
      assert.deepEqual(
        lin.structuredContent.ancestry.map((m: any) => m.run_id),
        [root.id],
      );
      assert.equal(lin.structuredContent.root_run_id, root.id);

      const set = await json(
        post(s, `/runs/${root.id}/branch-set`, {
          set_label: 'mcp set',
          dry_run: true,
          specs: [{ preset: 'minimal_patch' }, { preset: 'conservative_fix' }],
        }),
      );
      const port: any = await c.callTool({ name: 'get_portfolio', arguments: { run_id: set.created_drafts[0].id } });
      assert.equal(port.isError, false, text(port));
      assert.equal(port.structuredContent.branch_set_id, set.branch_set_id);
      assert.equal(port.structuredContent.set_label, 'mcp set');
      assert.equal(port.structuredContent.ranking_summary.length, 2);
      assert.match(port.structuredContent.interpretation_note, /heuristic/);
      const whole: any = await c.callTool({ name: 'get_portfolio', arguments: { run_id: root.id } });
      assert.equal(whole.structuredContent.total_branches, 3, 'the fork and both branches');

      const exp: any = await c.callTool({ name: 'export_missions', arguments: { repo: 'acme/mcp-lineage' } });
      assert.equal(exp.isError, false, text(exp));
      assert.equal(exp.structuredContent.schema_version, 'mission-export-v1');
      assert.equal(exp.structuredContent.runs.length, 4);

      // Bad input and unknown ids are tool errors naming the problem; nothing is created.
      const bad: any = await c.callTool({ name: 'fork_mission', arguments: { run_id: root.id, replay_kind: 'sideways' } });
      assert.equal(bad.isError, true);
      assert.match(text(bad), /replay_kind/);
      const missing: any = await c.callTool({ name: 'get_lineage', arguments: { run_id: 'run_missing' } });
      assert.equal(missing.isError, true);
      assert.match(text(missing), /not found/);
      const badDate: any = await c.callTool({ name: 'export_missions', arguments: { start_date: 'yesterday-ish' } });
      assert.equal(badDate.isError, true);
      assert.match(text(badDate), /start_date/);
      assert.equal(Number((await s.fetch(`${API}/runs?limit=1`)).headers.get('x-total-count')), 4);
      await c.close();
    } finally {
      await s.stop();
    }
  });

  test('read-only mode: the read tools stay, fork_mission is hidden and refused on both doors (recorded); allowed-tools applies', async () => {
    const s = await startServer({ AGENTORA_MISSIONS_MCP_ENABLED: 'true', AGENTORA_MISSIONS_MCP_READ_ONLY: 'true' });
    const s2 = await startServer({ AGENTORA_MISSIONS_MCP_ENABLED: 'true', AGENTORA_MISSIONS_MCP_ALLOWED_TOOLS: 'get_lineage' });
    try {
      const root = await json(post(s, '/runs/launch', { repo: 'acme/ro', mission_title: 'Root', objective: 'x', dry_run: true }));
      const c = await connect(s, { Authorization: `Bearer ${s.token}` });
      const names = (await c.listTools()).tools.map((t) => t.name);
      for (const t of ['get_lineage', 'get_portfolio', 'export_missions']) assert.ok(names.includes(t), `${t} visible in read-only mode`);
      assert.ok(!names.includes('fork_mission'));
      const refused: any = await c.callTool({ name: 'fork_mission', arguments: { run_id: root.id } });
      assert.equal(refused.isError, true);
      assert.match(text(refused), /read-only.*fork/);
      const port: any = await c.callTool({ name: 'get_portfolio', arguments: { run_id: root.id } });
      assert.equal(port.isError, false);
      assert.equal(port.structuredContent.total_branches, 0);
      await c.close();
      const compat = await post(s, '/mcp/call', { tool: 'fork_mission', args: { run_id: root.id } });
      assert.equal(compat.status, 403);
      const compatRead = await json(post(s, '/mcp/call', { tool: 'get_lineage', args: { run_id: root.id } }));
      assert.equal(compatRead.result.root_run_id, root.id);
      const db = new Database(path.join(s.dataDir, 'agentora.db'), { readonly: true });
      try {
        const rows = db
          .prepare("SELECT mission_id, data_json FROM mission_decisions WHERE type = 'policy_blocked_action' ORDER BY id")
          .all() as any[];
        assert.deepEqual(
          rows.map((r) => [r.mission_id, JSON.parse(r.data_json).tool, JSON.parse(r.data_json).door]),
          [
            [root.id, 'fork_mission', 'mcp'],
            [root.id, 'fork_mission', 'compat'],
          ],
        );
      } finally {
        db.close();
      }
      const runs = await json(s.fetch(`${API}/runs`));
      assert.equal(runs.length, 1, 'nothing was forked');

      const c2 = await connect(s2, { Authorization: `Bearer ${s2.token}` });
      assert.deepEqual(
        (await c2.listTools()).tools.map((t) => t.name),
        ['get_lineage'],
      );
      const notAllowed: any = await c2.callTool({ name: 'export_missions', arguments: {} });
      assert.equal(notAllowed.isError, true);
      assert.match(text(notAllowed), /AGENTORA_MISSIONS_MCP_ALLOWED_TOOLS/);
      await c2.close();
    } finally {
      await Promise.all([s.stop(), s2.stop()]);
    }
  });
});
