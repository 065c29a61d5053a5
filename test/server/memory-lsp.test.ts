// The extension's path for memory: the language server over stdio (vscode-jsonrpc), with the maintenance job's
// didProgress notifications arriving on the same connection.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { startLspServer, type LspServer } from '../helpers/lsp';

let lsp: LspServer;
let conn: MessageConnection;
const progress: { job_id: number; status: string; phase: string }[] = [];

before(async () => {
  lsp = await startLspServer({ 'server.httpEnabled': false }, (c) =>
    c.onNotification('agentora/memory/didProgress', (p: (typeof progress)[number]) => progress.push(p)),
  );
  conn = lsp.conn;
});
after(() => lsp?.stop());

test('create, search and maintenance over the language-server connection, with progress notifications', async () => {
  const c = (await conn.sendRequest('agentora/memory/create', { text: 'Feature flags live in the flags service.', source: 'chat' })) as {
    capsule: { capsule_id: number };
  };
  const r = (await conn.sendRequest('agentora/memory/search', { query: 'where do feature flags live', mission_id: 'm-1' })) as {
    items: { capsule_id: number }[];
    context_id: number;
  };
  assert.equal(r.items[0]?.capsule_id, c.capsule.capsule_id);
  const ctx = (await conn.sendRequest('agentora/memory/runContexts', { run_id: 'm-1' })) as { contexts: { owner_kind: string }[] };
  assert.equal(ctx.contexts[0]?.owner_kind, 'mission');
  const job = (await conn.sendRequest('agentora/memory/runMaintenance', {})) as { job: { job_id: number } };
  const deadline = Date.now() + 10000;
  while (!progress.some((p) => p.job_id === job.job.job_id && p.status === 'done') && Date.now() < deadline)
    await new Promise((res) => setTimeout(res, 10));
  assert.ok(
    progress.some((p) => p.job_id === job.job.job_id && p.status === 'done'),
    JSON.stringify(progress),
  );
  await assert.rejects(conn.sendRequest('agentora/memory/get', { capsule_id: 424242 }), (err: { code: number; message: string }) => {
    assert.equal(err.code, -32004);
    assert.match(err.message, /memory '424242' not found/);
    return true;
  });
});
