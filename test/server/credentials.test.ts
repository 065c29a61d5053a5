// Agent credentials end to end on the real server: the operator issues one (secret shown once, stored hashed),
// an agent proposes with it and cannot approve, deny, add rules or see other agents' actions; revoking it
// locks it out at once. MCP keys are agent credentials. (issue 9 #11)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ROOT, startServer, type TestServer } from '../helpers/server';

type Json = Record<string, any>;

async function issue(s: TestServer, name: string): Promise<{ id: number; secret: string }> {
  const res = await s.fetch('/api/credentials', { method: 'POST', body: JSON.stringify({ name }) });
  assert.equal(res.status, 201);
  const body = (await res.json()) as Json;
  return { id: body.credential.id, secret: body.secret };
}

const as = (s: TestServer, secret: string, p: string, init: RequestInit = {}) => s.fetch(p, { ...init, headers: { ...(init.headers as object), authorization: `Bearer ${secret}` } });

describe('agent credentials', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(() => s.stop());

  test('issued with a name; the secret is shown once and only its hash is stored; listed without secrets', async () => {
    const { id, secret } = await issue(s, 'ci-bot');
    assert.match(secret, /^agt_[\w-]{40,}$/);
    const list = (await (await s.fetch('/api/credentials')).json()) as Json;
    const row = list.items.find((c: Json) => c.id === id);
    assert.equal(row.name, 'ci-bot');
    assert.equal(row.revoked_at, null);
    assert.ok(!JSON.stringify(list).includes(secret), 'the list never shows a secret');
    const db = new Database(path.join(s.dataDir, 'agentora.db'), { readonly: true });
    try {
      const dump = JSON.stringify(db.prepare('SELECT * FROM agent_credentials').all());
      assert.ok(!dump.includes(secret), 'the database holds no secret');
    } finally {
      db.close();
    }
    const bad = await s.fetch('/api/credentials', { method: 'POST', body: JSON.stringify({ name: '' }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as Json).message, /name/);
  });

  test('the attack of issue 9 #11: the proposer cannot approve itself, deny, or add an allow-everything rule', async () => {
    const { secret } = await issue(s, 'proposer');
    const proposed = await as(s, secret, '/api/actions', { method: 'POST', body: JSON.stringify({ tool_name: 'desktop_write_text', params: { path: path.join(s.dataDir, 'x.txt'), content: 'hi' } }) });
    assert.equal(proposed.status, 200);
    const action = ((await proposed.json()) as Json).item as Json; // wire shape {ok, item}
    for (const [p, body] of [[`/api/actions/${action.id}/approve`, {}], [`/api/actions/${action.id}/deny`, {}], ['/api/actions/rules', { name: 'all', tool_name: '*', effect: 'allow' }]] as const) {
      const res = await as(s, secret, p, { method: 'POST', body: JSON.stringify(body) });
      assert.equal(res.status, 403, p);
      assert.match(((await res.json()) as Json).message, /needs the operator credential: this request used the agent credential 'proposer'/);
    }
    const rules = (await (await s.fetch('/api/actions/rules')).json()) as Json;
    assert.equal(rules.items.length, 0, 'no rule was created');
    const still = (await (await as(s, secret, `/api/actions/${action.id}`)).json()) as Json;
    assert.notEqual(still.status, 'approved');
    // The audit says who proposed it.
    const hist = (await (await s.fetch(`/api/actions/history?limit=500`)).json()) as Json;
    const proposedBy = hist.approval_history.find((e: Json) => e.action_id === action.id && e.event === 'proposed');
    if (proposedBy) assert.equal(proposedBy.actor, 'agent:proposer');
  });

  test('an agent sees only the actions it proposed; whoami lists them', async () => {
    const a = await issue(s, 'agent-a');
    const b = await issue(s, 'agent-b');
    const mine = (await (await as(s, a.secret, '/api/actions', { method: 'POST', body: JSON.stringify({ tool_name: 'desktop_list_dir', params: { path: '/etc' } }) })).json()).item as Json; // wire shape {ok, item}
    assert.equal((await as(s, a.secret, `/api/actions/${mine.id}`)).status, 200);
    assert.equal((await as(s, a.secret, `/api/actions/${mine.id}/preview`)).status, 200);
    const other = await as(s, b.secret, `/api/actions/${mine.id}`);
    assert.equal(other.status, 403);
    assert.match(((await other.json()) as Json).message, /was not proposed by the agent credential 'agent-b'/);
    assert.equal((await as(s, b.secret, '/api/actions/pending')).status, 403, 'the queue of everyone is the operator\'s');
    const who = (await (await as(s, a.secret, '/api/credentials/me')).json()) as Json;
    assert.deepEqual([who.kind, who.name, who.action_ids], ['agent', 'agent-a', [mine.id]]);
    const whoOp = (await (await s.fetch('/api/credentials/me')).json()) as Json;
    assert.equal(whoOp.kind, 'operator');
    // The operator sees every action.
    assert.equal((await s.fetch(`/api/actions/${mine.id}`)).status, 200);
  });

  test('an agent may use memory (create, read, search) but not delete or edit it', async () => {
    const { secret } = await issue(s, 'memory-agent');
    const created = await as(s, secret, '/api/memory/capsules', { method: 'POST', body: JSON.stringify({ text: 'Agents write memories through their own credential.' }) });
    assert.equal(created.status, 201);
    const cap = (await created.json()) as Json;
    const capId = cap.capsule_id ?? cap.id ?? cap.capsule?.capsule_id;
    assert.ok(capId, JSON.stringify(cap));
    assert.equal((await as(s, secret, `/api/memory/capsules/${capId}`)).status, 200);
    assert.equal((await as(s, secret, '/api/memory/search', { method: 'POST', body: JSON.stringify({ query: 'credential' }) })).status, 200);
    assert.equal((await as(s, secret, `/api/memory/capsules/${capId}`, { method: 'DELETE' })).status, 403);
  });

  test('revoked: every request with it is 401 at once, and the list marks it', async () => {
    const { id, secret } = await issue(s, 'short-lived');
    assert.equal((await as(s, secret, '/api/credentials/me')).status, 200);
    const rev = await s.fetch(`/api/credentials/${id}`, { method: 'DELETE' });
    assert.equal(rev.status, 200);
    assert.ok(((await rev.json()) as Json).revoked_at);
    assert.equal((await as(s, secret, '/api/credentials/me')).status, 401);
    assert.equal((await as(s, secret, '/api/actions', { method: 'POST', body: JSON.stringify({ tool_name: 'desktop_list_dir', params: { path: '/' } }) })).status, 401);
    // An agent cannot issue or revoke credentials.
    const other = await issue(s, 'other');
    assert.equal((await as(s, other.secret, '/api/credentials', { method: 'POST', body: JSON.stringify({ name: 'x' }) })).status, 403);
    assert.equal((await as(s, other.secret, `/api/credentials/${other.id}`, { method: 'DELETE' })).status, 403);
  });

  test('the README example runs as written: an agent credential made with the operator token proposes an action', async () => {
    assert.equal(readFileSync(path.join(s.dataDir, 'token'), 'utf8').trim(), s.token);
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- readme-agent-example[^>]*-->\s*```bash\n([\s\S]*?)```/.exec(readme)![1]!;
    // Only the data dir and the port differ from a default install.
    const script = block.replaceAll('~/.agentora', s.dataDir).replaceAll('http://127.0.0.1:8088', s.url);
    const out = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8' });
    const action = JSON.parse(out) as Json;
    assert.equal(action.tool_name, 'desktop_write_text');
    const who = (await (await s.fetch(`/api/actions/${action.id}`)).json()) as Json;
    assert.equal(who.id, action.id);
    const creds = (await (await s.fetch('/api/credentials')).json()) as Json;
    assert.ok(creds.items.some((c: Json) => c.name === 'my-script' && c.last_used_at));
  });
});

describe('MCP keys are agent credentials', () => {
  test('the MCP key setting works on the MCP doors as an agent; issued agent credentials work there too; neither opens operator routes', async () => {
    const s = await startServer({ AGENTORA_MISSIONS_MCP_ENABLED: 'true', AGENTORA_MISSIONS_MCP_API_KEY: 'k-secret-123456' });
    try {
      const viaKey = new Client({ name: 't', version: '1' });
      await viaKey.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers: { 'X-API-Key': 'k-secret-123456' } } }));
      const tools = await viaKey.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'list_missions'));
      const listed = await viaKey.callTool({ name: 'list_missions', arguments: {} });
      assert.notEqual(listed.isError, true, JSON.stringify(listed));
      await viaKey.close();
      const { secret } = await issue(s, 'mcp-agent');
      const viaAgent = new Client({ name: 't', version: '1' });
      await viaAgent.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
      assert.ok((await viaAgent.listTools()).tools.length > 0);
      await viaAgent.close();
      // The MCP key is not a key to the rest of the API.
      assert.equal((await as(s, 'k-secret-123456', '/api/actions/pending')).status, 401);
      assert.equal((await as(s, 'k-secret-123456', '/api/actions', { method: 'POST', body: '{}' })).status, 401);
    } finally {
      await s.stop();
    }
  });
});
