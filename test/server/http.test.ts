import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { statSync } from 'node:fs';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { latestVersion } from '../../server/src/store/db';

/** A raw request, so the Host header can be forged (fetch does not allow that). */
function raw(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP API: system area, doors and bad input', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(() => s.stop());

  test('health is open and reports mock mode', async () => {
    for (const p of ['/api/health', '/api/system/health']) {
      const r = await s.fetch(p, { auth: false });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { ok: true, service: 'agentora', mode: 'mock' });
    }
  });

  test('every other route needs the bearer token', async () => {
    const none = await s.fetch('/api/system/version', { auth: false });
    assert.equal(none.status, 401);
    assert.match((await none.json()).message, /Missing bearer token/);
    const wrong = await s.fetch('/api/system/version', { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).message, 'Invalid bearer token');
    const rpc = await s.fetch('/rpc', { auth: false, method: 'POST', body: '{}' });
    assert.equal(rpc.status, 401);
    const sse = await s.fetch('/api/events', { auth: false });
    assert.equal(sse.status, 401);
  });

  test('the token file is 0600 and the server binds loopback', async () => {
    assert.equal(statSync(path.join(s.dataDir, 'token')).mode & 0o777, 0o600);
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('a foreign Host (DNS rebinding) and a foreign Origin are refused, even with the token', async () => {
    const port = new URL(s.url).port;
    const host = await raw(s.url + '/api/system/version', { Host: `evil.example:${port}`, Authorization: `Bearer ${s.token}` });
    assert.equal(host.status, 403);
    assert.match(host.body, /Host 'evil.example:\d+' is not allowed/);
    const origin = await s.fetch('/api/system/version', { headers: { origin: 'https://evil.example' } });
    assert.equal(origin.status, 403);
    assert.match((await origin.json()).message, /Origin 'https:\/\/evil.example' is not allowed/);
    assert.equal(origin.headers.get('access-control-allow-origin'), null);
    const own = await s.fetch('/api/system/version', { headers: { origin: s.url } });
    assert.equal(own.status, 200);
    const webview = await s.fetch('/api/system/version', { headers: { origin: 'vscode-webview://abc123' } });
    assert.equal(webview.status, 200);
  });

  test('version names the runtime, SQLite and schema', async () => {
    const v = await (await s.fetch('/api/system/version')).json();
    assert.equal(v.ok, true);
    assert.equal(v.version, '0.1.0');
    assert.equal(v.network_mode, 'loopback');
    assert.equal(v.offline_friendly, true);
    assert.equal(v.schema_version, latestVersion());
    assert.equal(v.node_version, process.version);
    assert.match(v.sqlite_version, /^3\.\d+/);
  });

  test('doctor really checks each item, with severity and fix hints', async () => {
    const d = await (await s.fetch('/api/system/doctor')).json();
    const keys = d.items.map((i: { key: string }) => i.key);
    assert.deepEqual(keys, ['node_runtime', 'sqlite_native', 'data_dir', 'database', 'ollama', 'integrations', 'workers', 'port']);
    const byKey = Object.fromEntries(d.items.map((i: { key: string }) => [i.key, i]));
    assert.equal(byKey.sqlite_native.severity, 'ok');
    assert.match(byKey.sqlite_native.detail, /FTS5 available/);
    assert.match(byKey.data_dir.detail, new RegExp(s.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.match(byKey.database.detail, new RegExp(`integrity ok, schema version ${latestVersion()}/${latestVersion()}`));
    assert.equal(byKey.ollama.severity, 'info');
    assert.match(byKey.ollama.detail, /mock/);
    assert.match(byKey.port.detail, new RegExp(`listening on ${s.url}`));
    assert.equal(d.status, 'ok');
  });

  test('bootstrap writes a default config, records its run and reports what it did', async () => {
    const r = await s.fetch('/api/system/bootstrap', { method: 'POST', body: JSON.stringify({ auto_fix: true }) });
    assert.equal(r.status, 200);
    const b = await r.json();
    const steps = Object.fromEntries(b.report.steps.map((x: { step: string; status: string }) => [x.step, x.status]));
    assert.deepEqual(steps, { create_data_dir: 'skipped', run_migrations: 'skipped', write_default_config: 'done' });
    assert.equal(b.auto_fix_applied, true);
    assert.ok(statSync(path.join(s.dataDir, 'config.env')).isFile());
    const again = await (await s.fetch('/api/system/bootstrap', { method: 'POST', body: '{}' })).json();
    assert.equal(again.bootstrap_state_id, b.bootstrap_state_id + 1);
    assert.equal(again.auto_fix_applied, false, 'nothing left to fix the second time');
  });

  test('bad input is a 400 naming the field, garbage JSON is a 400, unknown routes are 404', async () => {
    const bad = await s.fetch('/api/system/bootstrap', { method: 'POST', body: JSON.stringify({ auto_fix: 'maybe' }) });
    assert.equal(bad.status, 400);
    const body = await bad.json();
    assert.equal(body.error, 'bad_request');
    assert.equal(body.issues[0].path, 'auto_fix');
    const garbage = await s.fetch('/api/system/bootstrap', { method: 'POST', body: '{"auto_fix": tru' });
    assert.equal(garbage.status, 400);
    assert.equal((await garbage.json()).error, 'bad_request');
    const arr = await s.fetch('/api/system/bootstrap', { method: 'POST', body: '[1,2]' });
    assert.equal(arr.status, 400);
    const missing = await s.fetch('/api/nope');
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).message, 'No route GET /api/nope');
  });

  test('JSON-RPC over HTTP serves the same methods, with typed errors', async () => {
    const call = async (method: string, params: unknown) => (await s.fetch('/rpc', { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }) })).json();
    const v = await call('agentora/system/version', {});
    assert.equal(v.id, 7);
    assert.equal(v.result.service, 'agentora');
    const bad = await call('agentora/system/bootstrap', { auto_fix: 42 });
    assert.equal(bad.error.code, -32602);
    assert.match(bad.error.message, /auto_fix/);
    const unknown = await call('agentora/nope/nothing', {});
    assert.equal(unknown.error.code, -32601);
  });

  test('server-sent events deliver notifications (doctor finished)', async () => {
    const ac = new AbortController();
    const res = await s.fetch('/api/events', { signal: ac.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    await reader.read(); // ": connected"
    await s.fetch('/api/system/doctor');
    let buf = '';
    const deadline = Date.now() + 5000;
    while (!buf.includes('agentora/system/didFinishDoctor') && Date.now() < deadline) buf += (await reader.read()).value ?? '';
    ac.abort();
    assert.match(buf, /event: agentora\/system\/didFinishDoctor\ndata: \{"ok":true/);
  });

  test('models: mock list and a timed test chat', async () => {
    const m = await (await s.fetch('/api/ollama/models')).json();
    assert.equal(m.mode, 'mock');
    assert.deepEqual(m.models.map((x: { name: string }) => x.name), ['mock-chat', 'mock-embed']);
    const t = await (await s.fetch('/api/ollama/test', { method: 'POST', body: '{}' })).json();
    assert.equal(t.ok, true);
    assert.equal(t.reply, 'ready');
    assert.ok(t.first_token_ms !== null && t.first_token_ms < 50);
  });

  test('the studio page is served with a strict CSP and no-referrer', async () => {
    const r = await s.fetch('/', { auth: false });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    assert.match(await r.text(), /<script src="webview\/main.js">/); // relative: works under an editor port proxy (/proxy/<port>/)
    const js = await s.fetch('/webview/main.js', { auth: false });
    assert.equal(js.status, 200);
    const traversal = await s.fetch('/webview/..%2F..%2Fpackage.json', { auth: false });
    assert.equal(traversal.status, 404);
  });
});
