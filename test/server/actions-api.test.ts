// The actions area through the real server process over REST (http-api.md "Actions"): the queue, every executor
// against temp folders and a local HTTP page, the notifications over SSE, and fast-check garbage.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { startServer, type TestServer } from '../helpers/server';

const CHROMIUM = '/usr/bin/chromium';
let s: TestServer;
let tmp: string;
let ws: string;
let page: Server;
let pageUrl: string;

const PAGE = `<!doctype html><html><head><title>Agentora test page</title><meta name="description" content="A page for the browser tools"></head>
<body><h1>Hello actions</h1><p id="para">Some <b>text</b> here.</p><img src="http://blocked.test/pixel.png">
<a id="next" href="/second">Second page</a>
<form action="/submitted" method="get"><input id="name" name="name"><button id="go" type="submit">Go</button></form></body></html>`;

async function json(r: Response): Promise<any> {
  const text = await r.text();
  try { return JSON.parse(text); } catch { return text; }
}
async function post(p: string, body: unknown): Promise<{ status: number; body: any }> {
  const r = await s.fetch(p, { method: 'POST', body: JSON.stringify(body) });
  // REST answers the earlier product's envelope `{ok, item}` (wire-shapes.md, checked by wire-shapes.test.ts);
  // these tests are about the queue, so they read the item.
  const b = await json(r);
  return { status: r.status, body: b && typeof b === 'object' && 'item' in b ? { ...b.item, envelope: b } : b };
}
async function get(p: string): Promise<any> {
  const r = await s.fetch(p);
  assert.equal(r.status, 200, p);
  return r.json();
}
/** Propose, and approve if it waits: the executed (or failed) item. */
async function run(tool_name: string, params: Record<string, unknown>): Promise<any> {
  const p = await post('/api/actions', { run_id: 'run-1', agent_id: 'agent-1', tool_name, params });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  if (p.body.status !== 'pending') return p.body;
  const a = await post(`/api/actions/${p.body.id}/approve`, { reason: 'test' });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return a.body;
}

before(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-actions-api-')));
  ws = path.join(tmp, 'ws');
  mkdirSync(path.join(ws, 'src'), { recursive: true });
  mkdirSync(path.join(tmp, 'outside'));
  symlinkSync(path.join(tmp, 'outside'), path.join(ws, 'out-link'));
  page = createServer((req, res) => {
    if (req.url === '/file.bin') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0, 1, 2, 3, 255]));
    if (req.url === '/second') return res.writeHead(200, { 'content-type': 'text/html' }).end('<title>Second</title><h2>Arrived</h2>');
    if (req.url?.startsWith('/submitted')) return res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>Submitted</title><p>got ${new URL(req.url, 'http://x').searchParams.get('name')}</p>`);
    res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
  pageUrl = `http://127.0.0.1:${(page.address() as { port: number }).port}`;
  s = await startServer({
    AGENTORA_ALLOWED_PATH_ROOTS: ws,
    AGENTORA_ALLOWED_APPS: 'echo,env,sleep,seq,pwd',
    AGENTORA_BLOCKED_DOMAINS: 'blocked.test',
    AGENTORA_ACTION_TIMEOUT_SECONDS: '2',
    AGENTORA_ACTION_OUTPUT_CAP_BYTES: '1024',
    AGENTORA_SOME_SECRET: 'must-not-leak',
  });
});
after(async () => {
  await s?.stop();
  await new Promise((r) => page?.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

describe('queue over REST', () => {
  test('POST /api/actions → pending item with policy_decision, requires_approval, approval_reason, scope_preview; approve executes once', async () => {
    const p = await post('/api/actions', { run_id: 'r', agent_id: 'a', action_class: 'desktop', tool_name: 'desktop_write_text', params: { path: 'src/app.ts', content: 'x'.repeat(214) }, requested_worker: null });
    assert.equal(p.status, 200);
    assert.equal(p.body.status, 'pending');
    assert.equal(p.body.policy_decision, 'ask');
    assert.equal(p.body.requires_approval, true);
    assert.match(p.body.approval_reason, /always asks/);
    assert.equal(p.body.summary, 'write 214 bytes to src/app.ts');
    assert.deepEqual(p.body.scope_preview.paths, [path.join(ws, 'src/app.ts')]);
    const pending = await get('/api/actions/pending');
    assert.deepEqual(pending.items.map((i: any) => i.id), [p.body.id]);
    const a = await post(`/api/actions/${p.body.id}/approve`, { reason: 'ok' });
    assert.equal(a.body.status, 'executed');
    assert.equal(readFileSync(path.join(ws, 'src/app.ts'), 'utf8'), 'x'.repeat(214));
    const again = await post(`/api/actions/${p.body.id}/approve`, { reason: 'again' });
    assert.equal(again.status, 409);
    assert.match(again.body.message, /already executed/);
    const h = await get('/api/actions/history');
    assert.ok(Array.isArray(h.items) && Array.isArray(h.executions) && Array.isArray(h.approval_history));
    assert.equal(h.executions.filter((e: any) => e.action_id === p.body.id).length, 1);
    assert.deepEqual((await get('/api/actions/pending')).items, []);
  });

  test('concurrent approves over HTTP: one 200, the rest 409, one execution', async () => {
    const p = await post('/api/actions', { tool_name: 'desktop_shell', params: { argv: ['echo', 'race'] } });
    const rs = await Promise.all(Array.from({ length: 6 }, () => post(`/api/actions/${p.body.id}/approve`, {})));
    assert.deepEqual(rs.map((r) => r.status).sort(), [200, 409, 409, 409, 409, 409]);
    const h = await get('/api/actions/history?limit=500');
    assert.equal(h.executions.filter((e: any) => e.action_id === p.body.id).length, 1);
  });

  test('denied by policy: stored as denied, approve → 403; deny of a pending one → nothing behind; 404s', async () => {
    const d = await post('/api/actions', { tool_name: 'desktop_write_text', params: { path: 'out-link/evil.txt', content: 'x' } });
    assert.equal(d.body.status, 'denied');
    assert.equal(d.body.policy_decision, 'deny');
    const a = await post(`/api/actions/${d.body.id}/approve`, {});
    assert.equal(a.status, 403);
    assert.equal(existsSync(path.join(tmp, 'outside/evil.txt')), false);
    const p = await post('/api/actions', { tool_name: 'desktop_write_text', params: { path: 'nope.txt', content: 'x' } });
    const n = await post(`/api/actions/${p.body.id}/deny`, { reason: 'no' });
    assert.equal(n.body.status, 'denied');
    assert.equal(existsSync(path.join(ws, 'nope.txt')), false);
    assert.equal((await post('/api/actions/424242/approve', {})).status, 404);
    assert.equal((await s.fetch('/api/actions/424242')).status, 404);
  });

  test('rules and grants routes', async () => {
    const c = await post('/api/actions/rules', { name: 'echo anything plain', tool_name: 'desktop_shell', effect: 'allow', argv: [{ exact: 'echo' }, { pattern: '*' }] });
    assert.equal(c.status, 201);
    assert.equal((await run('desktop_shell', { argv: ['echo', 'ruled'] })).policy_rule, `rule:${c.body.id}`);
    const patch = await s.fetch(`/api/actions/rules/${c.body.id}`, { method: 'PATCH', body: JSON.stringify({ enabled: false }) });
    assert.equal((await patch.json()).enabled, false);
    assert.equal((await get('/api/actions/rules')).items.length, 1);
    assert.equal((await s.fetch(`/api/actions/rules/${c.body.id}`, { method: 'DELETE' })).status, 200);
    assert.deepEqual((await get('/api/actions/grants')).items, []);
    const bad = await post('/api/actions/rules', { name: 'x', tool_name: 'nope', effect: 'allow' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /tool_name/);
  });

  test('tool catalogue and effective policy', async () => {
    const t = await get('/api/actions/tools');
    assert.equal(t.items.length, 16);
    const copy = t.items.find((i: any) => i.tool_name === 'desktop_copy');
    assert.deepEqual(copy.path_params, ['src', 'dst']);
    assert.equal(copy.risk, 'write');
    const pol = await get('/api/actions/policy');
    assert.deepEqual(pol.allowed_roots, [ws]);
    assert.equal(pol.roots_source, 'setting');
    assert.ok(pol.blocked_roots.includes(realpathSync(s.dataDir)), 'the data dir (token, db) is always blocked');
  });
});

describe('executors (honest, against temp folders)', () => {
  test('file tools: write, read, list, copy, move, rename', async () => {
    assert.equal((await run('desktop_write_text', { path: 'a/b/c.txt', content: 'line1\nline2\n' })).status, 'executed');
    const r = await run('desktop_read_text', { path: 'a/b/c.txt' });
    assert.equal(r.result.content, 'line1\nline2\n');
    assert.deepEqual((await run('desktop_list_dir', { path: 'a/b' })).result.entries, [{ name: 'c.txt', type: 'file' }]);
    assert.equal((await run('desktop_copy', { src: 'a/b/c.txt', dst: 'copy.txt' })).status, 'executed');
    assert.equal(readFileSync(path.join(ws, 'copy.txt'), 'utf8'), 'line1\nline2\n');
    const clash = await run('desktop_copy', { src: 'a/b/c.txt', dst: 'copy.txt' });
    assert.equal(clash.status, 'failed');
    assert.match(clash.error, /already exists/);
    assert.equal((await run('desktop_move', { src: 'copy.txt', dst: 'a/moved.txt' })).status, 'executed');
    assert.equal(existsSync(path.join(ws, 'copy.txt')), false);
    assert.equal((await run('desktop_rename', { path: 'a/moved.txt', new_name: 'renamed.txt' })).status, 'executed');
    assert.equal(readFileSync(path.join(ws, 'a/renamed.txt'), 'utf8'), 'line1\nline2\n');
  });

  test('shell: argv only — a redirect and metacharacters are literal arguments, no file is created', async () => {
    const r = await run('desktop_shell', { command: 'echo hi > pwned.txt; touch pwned2 $(id)' });
    assert.equal(r.status, 'executed');
    assert.equal(r.result.stdout, 'hi > pwned.txt; touch pwned2 $(id)\n');
    assert.equal(existsSync(path.join(ws, 'pwned.txt')), false);
    assert.equal(existsSync(path.join(ws, 'pwned2')), false);
  });

  test('shell: clean environment (PATH/HOME/LANG only), cwd inside the root', async () => {
    const r = await run('desktop_shell', { argv: ['env'] });
    const keys = r.result.stdout.trim().split('\n').map((l: string) => l.split('=')[0]).sort();
    assert.deepEqual(keys, ['HOME', 'LANG', 'PATH']);
    assert.doesNotMatch(r.result.stdout, /must-not-leak/);
    const pwd = await run('desktop_run_app', { app: 'pwd', cwd: 'src' });
    assert.equal(pwd.result.stdout.trim(), path.join(ws, 'src'));
    assert.equal(pwd.summary, `start \`pwd\` in ${path.join(ws, 'src')}`);
  });

  test('shell: timeout kills, output is capped, not-allowed executables are denied', async () => {
    const slow = await run('desktop_shell', { argv: ['sleep', '30'] });
    assert.equal(slow.status, 'failed');
    assert.match(slow.error, /timed out after 2000 ms/);
    const big = await run('desktop_shell', { argv: ['seq', '1', '100000'] });
    assert.equal(big.status, 'executed');
    assert.equal(big.result.stdout.length, 1024);
    assert.equal(big.result.stdout_truncated, true);
    const rm = await post('/api/actions', { tool_name: 'desktop_shell', params: { argv: ['rm', '-rf', '/'] } });
    assert.equal(rm.body.status, 'denied');
    assert.match(rm.body.approval_reason, /not in the allowed apps/);
  });
});

describe('browser executors (headless Chromium against a local page)', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent: browser tools are refused without it` }, () => {
  test('open, extract text, page summary, click, fill form, download; blocked sub-requests aborted', async () => {
    const open = await run('browser_open_url', { url: pageUrl + '/' });
    assert.equal(open.status, 'executed', open.error);
    assert.equal(open.result.title, 'Agentora test page');
    assert.ok(open.result.blocked_requests.some((b: string) => b.includes('blocked.test')), 'the image on a blocked domain was aborted');
    const text = await run('browser_extract_text', { url: pageUrl + '/', selector: '#para' });
    assert.equal(text.result.text, 'Some text here.');
    const sum = await run('browser_page_summary', { url: pageUrl + '/' });
    assert.equal(sum.result.description, 'A page for the browser tools');
    assert.deepEqual(sum.result.headings, ['Hello actions']);
    const click = await run('browser_click', { url: pageUrl + '/', selector: '#next' });
    assert.equal(click.result.title, 'Second');
    const form = await run('browser_fill_form', { url: pageUrl + '/', fields: [{ selector: '#name', value: 'Ada' }], submit_selector: '#go' });
    assert.equal(form.result.title, 'Submitted');
    assert.match(form.result.excerpt, /got Ada/);
    const dl = await run('browser_download', { url: pageUrl + '/file.bin', output_path: 'downloads/file.bin' });
    assert.equal(dl.status, 'executed', dl.error);
    assert.deepEqual([...readFileSync(path.join(ws, 'downloads/file.bin'))], [0, 1, 2, 3, 255]);
  });

  test('a blocked domain, a non-http scheme and a download outside the roots are denied', async () => {
    assert.equal((await post('/api/actions', { tool_name: 'browser_open_url', params: { url: 'http://www.blocked.test/' } })).body.status, 'denied');
    assert.equal((await post('/api/actions', { tool_name: 'browser_open_url', params: { url: 'file:///etc/passwd' } })).body.status, 'denied');
    assert.equal((await post('/api/actions', { tool_name: 'browser_download', params: { url: pageUrl + '/file.bin', output_path: '../outside/f' } })).body.status, 'denied');
  });
});

describe('bad input', () => {
  test('fast-check garbage on POST /api/actions: always 4xx naming a field, never 500, nothing stored', async () => {
    const before = (await get('/api/actions/history?limit=1')).total + (await get('/api/actions/pending')).total;
    const tools = ['desktop_write_text', 'desktop_shell', 'desktop_copy', 'browser_open_url', 'browser_fill_form', 'nope'];
    const body = fc.oneof(
      fc.anything(),
      fc.record({ tool_name: fc.constantFrom(...tools), params: fc.dictionary(fc.string({ maxLength: 8 }), fc.anything(), { maxKeys: 4 }) }, { requiredKeys: [] }),
      fc.record({ tool_name: fc.constantFrom(...tools), params: fc.anything(), run_id: fc.anything(), action_class: fc.anything() }),
      fc.record({ tool_name: fc.constant('desktop_write_text'), params: fc.record({ path: fc.oneof(fc.string(), fc.integer(), fc.constant('')), content: fc.oneof(fc.integer(), fc.object()) }) }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const r = await s.fetch('/api/actions', { method: 'POST', body: JSON.stringify(b) ?? 'null' });
        const out = await json(r);
        assert.ok(r.status >= 400 && r.status < 500, `status ${r.status} for ${JSON.stringify(b)}: ${JSON.stringify(out)}`);
        assert.equal(typeof out.message, 'string');
        assert.ok(out.issues?.length || /body|expected a JSON object/i.test(out.message), `no field named: ${JSON.stringify(out)}`);
        for (const i of out.issues ?? []) assert.equal(typeof i.path, 'string');
      }),
      { numRuns: 150 },
    );
    for (const raw of ['{', 'null', '[]', '"x"', '{"tool_name":"desktop_shell","params":{"command":"echo \\"unterminated"}}']) {
      const r = await s.fetch('/api/actions', { method: 'POST', body: raw });
      assert.ok(r.status >= 400 && r.status < 500, `${raw} → ${r.status}`);
    }
    const after = (await get('/api/actions/history?limit=1')).total + (await get('/api/actions/pending')).total;
    assert.equal(after, before, 'nothing was stored');
  });

  test('fast-check garbage on the rules and decision routes: 4xx, never 500, no rule stored, nothing decided', async () => {
    const p = await post('/api/actions', { tool_name: 'desktop_write_text', params: { path: 'fc.txt', content: 'x' } });
    const rulesBefore = (await get('/api/actions/rules')).items.length;
    const ruleBody = fc.oneof(fc.anything(), fc.record({ name: fc.anything(), tool_name: fc.constantFrom('desktop_shell', '*', 'x'), effect: fc.anything(), argv: fc.anything(), path_root: fc.anything() }, { requiredKeys: [] }));
    // reason must be text and remember a scope: anything else is refused before any state changes
    const decision = fc.record({ reason: fc.anything().filter((x) => typeof x !== 'string' && x !== undefined && x !== null), remember: fc.anything() }, { requiredKeys: ['reason'] });
    await fc.assert(
      fc.asyncProperty(ruleBody, decision, fc.constantFrom('approve', 'deny'), async (rb, db, verb) => {
        const r = await s.fetch('/api/actions/rules', { method: 'POST', body: JSON.stringify(rb) ?? 'null' });
        assert.ok(r.status >= 400 && r.status < 500, `rules ${r.status} for ${JSON.stringify(rb)}`);
        const d = await s.fetch(`/api/actions/${p.body.id}/${verb}`, { method: 'POST', body: JSON.stringify(db) });
        if (verb === 'deny' && d.status === 200) throw new Error(`deny accepted garbage ${JSON.stringify(db)}`);
        assert.ok(d.status >= 400 && d.status < 500, `${verb} ${d.status} for ${JSON.stringify(db)}`);
      }),
      { numRuns: 100 },
    );
    assert.equal((await get('/api/actions/rules')).items.length, rulesBefore);
    assert.equal((await get(`/api/actions/${p.body.id}`)).status, 'pending');
    assert.equal(existsSync(path.join(ws, 'fc.txt')), false);
  });
});
