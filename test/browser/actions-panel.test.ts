// The Actions panel in the standalone studio (the same bundle VS Code's sidebar loads): pending approvals appear
// live, Approve writes the file, Deny leaves nothing, rules are created/disabled/deleted, grants revoked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
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
  s = await startServer({ AGENTORA_ALLOWED_PATH_ROOTS: ws, AGENTORA_ACTION_TOOL_DEFAULTS: 'desktop_list_dir=ask_once' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await s?.stop();
  rmSync(ws, { recursive: true, force: true });
});

const propose = async (tool_name: string, params: object) => (await s.fetch('/api/actions', { method: 'POST', body: JSON.stringify({ agent_id: 'coder', tool_name, params }) })).json();
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
  await page.click('[data-testid=rule-create]');
  await page.waitForSelector('[data-testid=rule-row][data-enabled=true]');
  assert.match(await page.textContent('[data-testid=rule-row]') ?? '', /desktop_shell · argv \[git status\]/);
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
