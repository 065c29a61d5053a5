// The Actions panel in the standalone studio (the same bundle VS Code's sidebar loads): pending approvals appear
// live, Approve writes the file, Deny leaves nothing, rules are created/disabled/deleted, grants revoked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { ROOT, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
let browser: Browser;
let ws: string;
before(async () => {
  ws = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-actions-panel-')));
  s = await startServer({
    AGENTORA_ALLOWED_PATH_ROOTS: ws,
    AGENTORA_ACTION_TOOL_DEFAULTS: 'desktop_list_dir=ask_once',
    AGENTORA_ALLOWED_APPS: 'git',
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await s?.stop();
  rmSync(ws, { recursive: true, force: true });
});

const propose = async (tool_name: string, params: object) =>
  (await s.fetch('/api/actions', { method: 'POST', body: JSON.stringify({ agent_id: 'coder', tool_name, params }) })).json();
const row = (page: Page, id: number) => `[data-testid=pending] [data-testid=action-row][data-id="${id}"]`;

test('pending actions appear live; Approve executes, Deny leaves nothing; history shows both', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.url}/?token=${s.token}#actions`);
  await page.waitForSelector('[data-testid=no-pending]');
  const a = await propose('desktop_write_text', { path: 'notes/hello.md', content: '# Hello\n' });
  await page.waitForSelector(row(page, a.id)); // arrived through the didChange notification (SSE), no reload
  assert.equal(await page.textContent(`${row(page, a.id)} [data-testid=action-summary]`), 'write 8 bytes to notes/hello.md');
  await page.click(`${row(page, a.id)} [data-testid=approve]`);
  await page.waitForSelector(`[data-testid=history] [data-id="${a.id}"][data-status=executed]`);
  assert.equal(readFileSync(path.join(ws, 'notes/hello.md'), 'utf8'), '# Hello\n');

  const b = await propose('desktop_write_text', { path: 'denied.txt', content: 'no' });
  await page.waitForSelector(row(page, b.id));
  await page.click(`${row(page, b.id)} [data-testid=deny]`);
  await page.waitForSelector(`[data-testid=history] [data-id="${b.id}"][data-status=denied]`);
  assert.equal(existsSync(path.join(ws, 'denied.txt')), false);
  assert.equal(await page.textContent('[data-testid=pending-count]'), '0');
  mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: path.join(ROOT, 'test-results/studio-actions.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('rules: create an argv rule, disable it, delete it; grants: revoke', async () => {
  const page = await browser.newPage();
  await page.goto(`${s.url}/?token=${s.token}#actions`);
  await page.waitForSelector('[data-testid=rule-form]');
  await page.fill('[data-testid=rule-name]', 'git status is fine');
  await page.selectOption('[data-testid=rule-tool]', 'desktop_shell');
  await page.fill('[data-testid=rule-argv]', 'git status');
  await page.selectOption('[data-testid=rule-effect]', 'allow');
  // A command tool is broad even with one argv: the form names what it lets through and wants a tick.
  assert.match(
    (await page.textContent('[data-testid=rule-matches]')) ?? '',
    /desktop_shell .*only the command line “git status” \(exactly 2 arguments\).*runs at once, without asking you/,
  );
  await page.click('[data-testid=rule-create]');
  assert.match((await page.textContent('[data-testid=rule-error]')) ?? '', /Confirm the broad allow \(it runs commands, any path\)/);
  assert.match(
    (await page.textContent('[data-testid=rule-broad]')) ?? '',
    /Yes: let desktop_shell run on any path inside the allowed folders, only the command line “git status”/,
  );
  await page.check('[data-testid=rule-confirm]');
  await page.click('[data-testid=rule-create]');
  await page.waitForSelector('[data-testid=rule-row][data-enabled=true]');
  assert.match((await page.textContent('[data-testid=rule-row]')) ?? '', /desktop_shell · argv \[git status\]/);
  const rules = await (await s.fetch('/api/actions/rules')).json();
  assert.deepEqual(rules.items[0].argv, [{ exact: 'git' }, { exact: 'status' }]);
  await page.click('[data-testid=rule-toggle]');
  await page.waitForSelector('[data-testid=rule-row][data-enabled=false]');
  await page.click('[data-testid=rule-delete]');
  await page.waitForFunction(() => !document.querySelector('[data-testid=rule-row]'));
  assert.deepEqual((await (await s.fetch('/api/actions/rules')).json()).items, []);

  const a = await propose('desktop_list_dir', { path: '.' });
  await s.fetch(`/api/actions/${a.id}/approve`, { method: 'POST', body: JSON.stringify({ remember: 'workspace' }) });
  await page.waitForSelector('[data-testid=grant-row]');
  await page.click('[data-testid=grant-revoke]');
  await page.waitForFunction(() => !document.querySelector('[data-testid=grant-row]'));
  assert.deepEqual((await (await s.fetch('/api/actions/grants')).json()).items, []);
});

test('the rule form: no allow without a tool (panel and server), a broad allow needs a confirmation naming it', async () => {
  const page = await browser.newPage();
  await page.goto(`${s.url}/?token=${s.token}#actions`);
  await page.waitForSelector('[data-testid=rule-form]');
  // A rule with only a name: nothing is preselected, nothing is created.
  await page.fill('[data-testid=rule-name]', 'just a name');
  await page.click('[data-testid=rule-create]');
  assert.equal(await page.textContent('[data-testid=rule-error]'), 'Choose the tool this rule is for.');
  assert.equal(await page.inputValue('[data-testid=rule-effect]'), 'ask', 'the effect starts at ask');
  // "any tool" cannot allow.
  await page.selectOption('[data-testid=rule-tool]', '*');
  await page.selectOption('[data-testid=rule-effect]', 'allow');
  await page.click('[data-testid=rule-create]');
  assert.match((await page.textContent('[data-testid=rule-error]')) ?? '', /An allow rule must name one tool/);
  // A write tool anywhere: the preview says what it matches; the confirmation names it.
  await page.selectOption('[data-testid=rule-tool]', 'desktop_write_text');
  assert.match(
    (await page.textContent('[data-testid=rule-matches]')) ?? '',
    /desktop_write_text \(.*\), on any path inside the allowed folders, and such an action runs at once, without asking you/,
  );
  assert.match(
    (await page.textContent('[data-testid=rule-broad]')) ?? '',
    /Broad allow \(it writes files, any path\)\. Yes: let desktop_write_text run on any path inside the allowed folders without asking me/,
  );
  await page.click('[data-testid=rule-create]');
  assert.match((await page.textContent('[data-testid=rule-error]')) ?? '', /Confirm the broad allow/);
  assert.deepEqual((await (await s.fetch('/api/actions/rules')).json()).items, [], 'nothing was saved');
  // An ask rule for any tool is fine without confirmation.
  await page.selectOption('[data-testid=rule-tool]', '*');
  await page.selectOption('[data-testid=rule-effect]', 'ask');
  assert.equal(await page.locator('[data-testid=rule-broad]').count(), 0);
  await page.click('[data-testid=rule-create]');
  await page.waitForSelector('[data-testid=rule-row]');
  // The server refuses an allow rule without one tool, naming the field.
  for (const body of [{ name: 'x', tool_name: '*', effect: 'allow' }]) {
    const r = await s.fetch('/api/actions/rules', { method: 'POST', body: JSON.stringify(body) });
    assert.equal(r.status, 400);
    const err = await r.json();
    assert.equal(err.issues[0].path, 'tool_name');
    assert.match(err.message, /tool_name/);
  }
  const rules = (await (await s.fetch('/api/actions/rules')).json()).items;
  assert.equal(rules.length, 1);
  const patched = await s.fetch(`/api/actions/rules/${rules[0].id}`, { method: 'PATCH', body: JSON.stringify({ effect: 'allow' }) });
  assert.equal(patched.status, 400, 'turning an any-tool rule into allow is refused too');
  await s.fetch(`/api/actions/rules/${rules[0].id}`, { method: 'DELETE' });
});

test('approvals show what VS Code shows: a real diff for a write, argv and folder for a command', async () => {
  const readme =
    Array.from({ length: 120 }, (_, i) => `Line ${i + 1} of the original README, with enough words to be a real file.`).join('\n') + '\n';
  writeFileSync(path.join(ws, 'README.md'), readme);
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${s.url}/?token=${s.token}#actions`);
  await page.waitForSelector('[data-testid=rule-form]');
  const a = await propose('desktop_write_text', { path: 'README.md', content: '# Replaced\n\nShort new README.\n' });
  const r = row(page, a.id);
  await page.waitForSelector(`${r} [data-testid=diff]`);
  assert.match((await page.textContent(`${r} [data-testid=preview-write]`)) ?? '', /Replaces .*README\.md \(120 → 3 lines, \+3 −120\)/);
  assert.equal(await page.locator(`${r} [data-testid=diff] [data-line=del]`).count(), 120);
  assert.equal(await page.locator(`${r} [data-testid=diff] [data-line=add]`).count(), 3);
  assert.match((await page.textContent(`${r} [data-testid=diff] [data-line=add]`)) ?? '', /# Replaced/);
  assert.doesNotMatch((await page.textContent(r)) ?? '', /"params"|\{\s*"/, 'no raw JSON');

  const c = await propose('desktop_shell', { argv: ['git', 'status', '--short'], cwd: ws });
  const rc = row(page, c.id);
  await page.waitForSelector(`${rc} [data-testid=preview-command]`);
  assert.deepEqual(await page.$$eval(`${rc} [data-testid=preview-argv] li`, (lis) => lis.map((l) => l.textContent)), [
    '0: git',
    '1: status',
    '2: --short',
  ]);
  assert.equal(await page.textContent(`${rc} [data-testid=preview-cwd]`), ws);
  const u = await propose('browser_open_url', { url: 'https://Example.org/docs/../guide?x=1#top' });
  const ru = row(page, u.id);
  await page.waitForSelector(`${ru} [data-testid=preview-url]`);
  assert.match(
    (await page.textContent(`${ru} [data-testid=preview-url]`)) ?? '',
    /Opens\s*https:\/\/example\.org\/guide\?x=1#top\s*Domain\s*example\.org/,
  );
  await page.screenshot({ path: path.join(ROOT, 'test-results/studio-actions-approvals.png'), fullPage: true });
  await page.click(`${r} [data-testid=deny]`);
  await page.click(`${rc} [data-testid=deny]`);
  await page.click(`${ru} [data-testid=deny]`);
  await page.waitForSelector('[data-testid=no-pending]');
  assert.equal(readFileSync(path.join(ws, 'README.md'), 'utf8'), readme);
});
