// The editor connection, as the extension uses it (issue 10, defects 6, 7 and 12): server log lines reach the
// client as window/logMessage with their level and without secrets; settings pushed with
// workspace/didChangeConfiguration apply live (a bad value is refused with a message, the old config stays); and
// only the editor connection can vouch for the origin it forwards the studio through (code-server's /proxy/).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { startLspServer, type LspServer } from '../helpers/lsp';

interface LogMessage {
  type: number;
  message: string;
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 10000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A raw HTTP GET with exactly these headers (fetch would not let us set Host). */
function get(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the editor connection', () => {
  let lsp: LspServer;
  let conn: MessageConnection;
  const logs: LogMessage[] = [];
  const shown: LogMessage[] = [];
  const secret = 'phios-secret-key-1234567890';

  before(async () => {
    lsp = await startLspServer({ 'server.port': 0, 'phios.apiKey': secret }, (c) => {
      c.onNotification('window/logMessage', (m: LogMessage) => logs.push(m));
      // connection.window.showErrorMessage is a request (it may carry buttons); the language client shows it as a toast.
      c.onRequest('window/showMessageRequest', (m: LogMessage) => {
        shown.push(m);
        return null;
      });
    });
    conn = lsp.conn;
  });
  after(() => lsp?.stop());

  test('server log lines arrive as window/logMessage with their level (Show Logs), secrets masked', async () => {
    const listening = await until('the HTTP listening line', () =>
      logs.find((l) => /HTTP API listening on http:\/\/127\.0\.0\.1:\d+/.test(l.message)),
    );
    assert.equal(listening.type, 3, 'info level (MessageType.Info)');
    // The operator credential (the studio URL carries a one-time code, never the token).
    const token = readFileSync(path.join(lsp.dataDir, 'token'), 'utf8').trim();
    // More lines: bootstrap logs its steps.
    await conn.sendRequest('agentora/system/bootstrap', { auto_fix: false });
    await until('the bootstrap line', () => logs.find((l) => /bootstrap #\d+/.test(l.message)));
    const all = logs.map((l) => l.message).join('\n');
    assert.ok(!all.includes(token), 'the API token never reaches the log');
    assert.ok(!all.includes(secret), 'an API key never reaches the log');
  });

  test('settings pushed by the editor apply at once; a bad value is refused with a message and changes nothing', async () => {
    const status = async () => ((await conn.sendRequest('agentora/missions/status', {})) as { watcher: { enabled: boolean } }).watcher.enabled;
    const before = await status();
    await conn.sendNotification('workspace/didChangeConfiguration', {
      settings: { agentora: { 'server.port': 0, 'missions.watcherEnabled': !before, 'phios.apiKey': secret } },
    });
    const deadline = Date.now() + 10000;
    while ((await status()) !== !before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await status(), !before, 'the changed setting reached the running server');

    await conn.sendNotification('workspace/didChangeConfiguration', {
      settings: { agentora: { 'server.port': 0, 'missions.watcherEnabled': before, logLevel: 'loud' } },
    });
    const msg = await until('the refusal shown to the user', () => shown.find((m) => /logLevel/.test(m.message)));
    assert.equal(msg.type, 1, 'shown as an error');
    assert.match(msg.message, /previous settings stay in effect/);
    assert.equal(await status(), !before, 'the bad push changed nothing');
  });

  test('only the editor can vouch for a forwarded studio origin; then exactly that host and origin are accepted', async () => {
    const info = (await conn.sendRequest('agentora/system/connectionInfo', {})) as { http_url: string; studio_url: string };
    // The operator credential (the studio URL carries a one-time code, never the token).
    const token = readFileSync(path.join(lsp.dataDir, 'token'), 'utf8').trim();
    const auth = { authorization: `Bearer ${token}` };
    const forwarded = { host: 'ide.example.test:8443', origin: 'https://ide.example.test:8443' };
    assert.equal((await get(info.http_url, '/api/system/version', { ...auth, ...forwarded })).status, 403, 'refused before the editor vouches');

    // Over HTTP (a script, a page) the same call is refused even with the token.
    const viaHttp = await fetch(`${info.http_url}/rpc`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'agentora/system/trustEditorOrigin', params: { origin: forwarded.origin } }),
    });
    const rpc = (await viaHttp.json()) as { error?: { message: string } };
    assert.ok(rpc.error, 'HTTP callers cannot add an origin');
    assert.equal((await get(info.http_url, '/api/system/version', { ...auth, ...forwarded })).status, 403);

    await conn.sendRequest('agentora/system/trustEditorOrigin', { origin: forwarded.origin });
    assert.equal(
      (await get(info.http_url, '/api/system/version', { ...auth, ...forwarded })).status,
      200,
      'the forwarded host and origin are accepted',
    );
    const page = await get(info.http_url, '/', forwarded);
    assert.equal(page.status, 200);
    assert.match(page.body, /src="webview\/main\.js"/, 'assets are relative, so they load under /proxy/<port>/ too');
    assert.equal((await get(info.http_url, '/api/system/version', { ...forwarded })).status, 401, 'the token is still required');
    assert.equal(
      (await get(info.http_url, '/api/system/version', { ...auth, host: 'evil.example.test:8443', origin: 'https://evil.example.test:8443' })).status,
      403,
      'other hosts stay refused',
    );
    assert.equal(
      (await get(info.http_url, '/api/system/version', { ...auth, host: forwarded.host, origin: 'https://evil.example.test' })).status,
      403,
      'other origins stay refused',
    );
  });
});
