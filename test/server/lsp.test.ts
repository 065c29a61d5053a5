// The extension's path: the language server process over stdio, spoken to with vscode-jsonrpc.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { startLspServer, type LspServer } from '../helpers/lsp';
import { latestVersion } from '../../server/src/store/db';

describe('language server (JSON-RPC over stdio)', () => {
  let lsp: LspServer;
  let conn: MessageConnection;
  let dataDir: string;
  const notifications: string[] = [];

  before(async () => {
    lsp = await startLspServer({ 'server.port': 0 }, (c) => c.onNotification((method) => notifications.push(method)));
    ({ conn, dataDir } = lsp);
    assert.equal(lsp.init.serverInfo.name, 'agentora');
  });
  after(() => lsp?.stop());

  test('answers protocol methods with the data dir the client gave', async () => {
    const v = (await conn.sendRequest('agentora/system/version', {})) as { data_dir: string; schema_version: number };
    assert.equal(v.data_dir, dataDir);
    assert.equal(v.schema_version, latestVersion());
  });

  test('client settings override defaults (port 0 → a free port, reported in connectionInfo)', async () => {
    const info = (await conn.sendRequest('agentora/system/connectionInfo', {})) as { http_url: string; studio_url: string };
    assert.match(info.http_url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(info.http_url, 'http://127.0.0.1:8088');
    // A one-time code, never the token (docs/security.md: the studio link).
    assert.match(info.studio_url, /\?code=[\w-]{30,}$/);
  });

  test('doctor over the connection also sends the didFinishDoctor notification', async () => {
    const d = (await conn.sendRequest('agentora/system/doctor', {})) as { items: unknown[] };
    assert.equal(d.items.length, 8);
    const deadline = Date.now() + 3000;
    while (!notifications.includes('agentora/system/didFinishDoctor') && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    assert.ok(notifications.includes('agentora/system/didFinishDoctor'));
  });

  test('bad params are a JSON-RPC error naming the field', async () => {
    await assert.rejects(conn.sendRequest('agentora/system/bootstrap', { auto_fix: 'x' }), (err: { code: number; message: string }) => {
      assert.equal(err.code, -32602);
      assert.match(err.message, /auto_fix/);
      return true;
    });
  });
});
