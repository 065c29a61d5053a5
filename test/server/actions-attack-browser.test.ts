// Issue 9 items 5 and 9 against the real server and a real headless Chromium: an allowed page (127.0.0.1)
// redirects, loads sub-resources and opens WebSockets towards a blocked host (127.0.0.2, also spelled
// `[::ffff:127.0.0.2]` and `2130706434`). The blocked host counts every request and upgrade it receives:
// it must receive none, and its text must never come back. Before: the 302 was followed and the blocked
// page's text returned; the page's WebSocket reached the blocked host; the mapped-IPv6 spelling passed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';

const CHROMIUM = '/usr/bin/chromium';
let s: TestServer;
let tmp: string;
let ws: string;
let allowed: Server;
let blocked: Server;
let A: string;
let PB: number;
const hits: string[] = [];

async function propose(tool_name: string, params: Record<string, unknown>): Promise<any> {
  const r = await s.fetch('/api/actions', { method: 'POST', body: JSON.stringify({ tool_name, params }) });
  assert.equal(r.status, 200, await r.clone().text());
  return r.json();
}

before(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-browser-attack-')));
  ws = path.join(tmp, 'ws');
  mkdirSync(ws);
  blocked = createServer((req, res) => {
    hits.push(`http ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<title>blocked</title><p>BLOCKED-SECRET</p>');
  });
  blocked.on('upgrade', (req, socket) => {
    hits.push(`ws ${req.url}`);
    socket.destroy();
  });
  await new Promise<void>((r) => blocked.listen(0, '127.0.0.2', r));
  PB = (blocked.address() as { port: number }).port;
  const B = `http://127.0.0.2:${PB}`;
  allowed = createServer((req, res) => {
    const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html' }).end(body);
    const go = (to: string) => res.writeHead(302, { location: to }).end();
    switch (req.url) {
      case '/redirect':
        return go(`${B}/secret`);
      case '/redirect-mapped':
        return go(`http://[::ffff:127.0.0.2]:${PB}/secret`);
      case '/chain':
        return go('/hop');
      case '/hop':
        return go(`http://2130706434:${PB}/secret`);
      case '/redirect-ok':
        return go('/final');
      case '/final':
        return html('<title>final</title><p>FINAL-ALLOWED</p>');
      case '/dl':
        return go(`${B}/file.bin`);
      case '/subresources':
        return html(`<title>subs</title><p>page</p><img src="${B}/img.png"><img src="http://[::ffff:7f00:2]:${PB}/mapped.png">
        <script src="http://0x7f.0.0.2:${PB}/hex.js"></script><iframe src="${B}/frame"></iframe>`);
      case '/socket':
        return html(`<title>socket</title><p id="s">waiting</p><script>
        const tried = [];
        for (const u of ['ws://127.0.0.2:${PB}/sock', 'ws://[::ffff:127.0.0.2]:${PB}/mapped-sock']) {
          const w = new WebSocket(u);
          w.onopen = () => { tried.push('open ' + u); document.getElementById('s').textContent = tried.join(';'); };
          w.onerror = w.onclose = () => { tried.push('closed ' + u); document.getElementById('s').textContent = tried.join(';'); };
        }
      </script>`);
      default:
        return html('<title>home</title>');
    }
  });
  await new Promise<void>((r) => allowed.listen(0, '127.0.0.1', r));
  A = `http://127.0.0.1:${(allowed.address() as { port: number }).port}`;
  s = await startServer({
    AGENTORA_ALLOWED_PATH_ROOTS: ws,
    AGENTORA_BLOCKED_DOMAINS: '127.0.0.2',
    AGENTORA_ACTION_REQUIRE_APPROVAL_DEFAULT: 'auto_allow',
    AGENTORA_BROWSER_EXECUTABLE: CHROMIUM,
    AGENTORA_ACTION_TIMEOUT_SECONDS: '15',
  });
});
after(async () => {
  await s?.stop();
  await new Promise((r) => allowed?.close(r));
  await new Promise((r) => blocked?.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

describe('every hop passes the domain check', { skip: !existsSync(CHROMIUM) && 'no chromium' }, () => {
  test('attack: 302 from an allowed page to a blocked host (plain, mapped-IPv6, and on the 2nd hop as a decimal IP) → not followed', async () => {
    for (const p of ['/redirect', '/redirect-mapped', '/chain']) {
      const a = await propose('browser_extract_text', { url: A + p });
      assert.doesNotMatch(JSON.stringify(a), /BLOCKED-SECRET/, p);
      assert.equal(a.status, 'failed', `${p}: ${JSON.stringify(a.result ?? a.error)}`);
      assert.match(a.error, /blocked domain/, p);
    }
    assert.deepEqual(hits, []);
  });
  test('a redirect inside the allowed domains is still followed', async () => {
    const a = await propose('browser_extract_text', { url: `${A}/redirect-ok` });
    assert.equal(a.status, 'executed', JSON.stringify(a.error));
    assert.match(a.result.text, /FINAL-ALLOWED/);
  });
  test('attack: a download redirected to a blocked host → refused, nothing written', async () => {
    const out = path.join(ws, 'file.bin');
    const a = await propose('browser_download', { url: `${A}/dl`, output_path: out });
    assert.equal(a.status, 'failed');
    assert.match(a.error, /download refused: redirected to .*blocked domain/);
    assert.equal(existsSync(out), false);
    assert.deepEqual(hits, []);
  });
  test('attack: sub-requests to the blocked host in other spellings (mapped IPv6, hex) → aborted', async () => {
    const a = await propose('browser_page_summary', { url: `${A}/subresources` });
    assert.equal(a.status, 'executed', JSON.stringify(a.error));
    assert.ok(a.result.blocked_requests.length >= 3, JSON.stringify(a.result.blocked_requests));
    assert.deepEqual(hits, []);
  });
  test("attack: the page's WebSockets to the blocked host (also as [::ffff:127.0.0.2]) → refused, never reach it", async () => {
    const a = await propose('browser_extract_text', { url: `${A}/socket`, selector: '#s' });
    assert.equal(a.status, 'executed', JSON.stringify(a.error));
    assert.doesNotMatch(a.result.text, /open /);
    assert.ok(
      a.result.blocked_requests.some((b: string) => b.startsWith('ws://')),
      JSON.stringify(a.result.blocked_requests),
    );
    assert.deepEqual(hits, []);
  });
  test('attack: the proposal itself in other spellings of the blocked address → denied by policy', async () => {
    for (const u of [`http://[::ffff:127.0.0.2]:${PB}/`, `http://2130706434:${PB}/`, `http://0177.0.0.2:${PB}/`, `http://127.0.0.2.:${PB}/`]) {
      const a = await propose('browser_open_url', { url: u });
      assert.equal(a.status, 'denied', u);
      assert.equal(a.policy_rule, 'guard:blocked_domain', u);
    }
    assert.deepEqual(hits, []);
  });
});
