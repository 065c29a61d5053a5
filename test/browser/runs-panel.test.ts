// The Runs panel in the standalone studio (real Chromium, the same bundle VS Code loads), driven like a user:
// start a run from a template with a goal, watch the plan graph fill, approve the agent's file write inline,
// see the run complete and the file written, read the report in the panel and save it; pause / resume / deny on a second run; cancel a third; and the
// same panel at a 300 px sidebar width without horizontal overflow. The mock model plans and writes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { screenshotPath } from '../helpers/codeServer';

let s: TestServer;
let browser: Browser;
const ws = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-runs-panel-')));
before(async () => {
  s = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true', AGENTORA_ALLOWED_PATH_ROOTS: ws });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await s?.stop();
  rmSync(ws, { recursive: true, force: true });
});

async function startRun(page: Page, team: string, goal: string) {
  await page.click('[data-testid=nav-start]');
  await page.waitForSelector('[data-testid=run-start]');
  await page.waitForSelector(`[data-testid=start-team] option[value="${team}"]`, { state: 'attached' });
  await page.selectOption('[data-testid=start-team]', team);
  await page.fill('[data-testid=start-goal]', goal);
  await page.click('[data-testid=start-run]');
  await page.waitForSelector('[data-testid=run-detail]');
}

test('Runs panel: start from a template, the plan graph fills, approve inline, the run completes; pause/resume/deny; cancel; 300 px', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1300 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.url}/?token=${s.token}#runs`);
  await page.waitForSelector('[data-testid=runs-empty]');

  // An empty goal is refused in words, nothing starts.
  await page.click('[data-testid=nav-start]');
  await page.waitForSelector('[data-testid=start-team] option[value="template:plan_execute_critique"]', { state: 'attached' });
  await page.selectOption('[data-testid=start-team]', 'template:plan_execute_critique');
  await page.click('[data-testid=start-run]');
  await page.waitForSelector('[data-testid=start-error]:has-text("Write the goal")');

  await page.fill('[data-testid=start-goal]', 'write the summary to notes.txt');
  await page.click('[data-testid=start-run]');
  await page.waitForSelector('[data-testid=run-detail]');
  // The plan as a graph: three subgoals, two dependency edges.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=plan-node]').length === 3);
  assert.equal(await page.locator('[data-testid=plan-edge]').count(), 2);
  // The executor's write waits for the operator, inline.
  await page.waitForSelector('[data-testid=run-approval]', { timeout: 15000 });
  await page.waitForSelector('[data-testid=run-status][data-status=waiting_approval]');
  assert.match((await page.textContent('[data-testid=approval-summary]')) ?? '', /notes\.txt/);
  assert.equal(await page.getAttribute('[data-testid=approval-open-actions]', 'href'), '#actions');
  assert.equal(existsSync(path.join(ws, 'notes.txt')), false);
  await page.waitForSelector('[data-testid=plan-node][data-id=s1][data-state=done]');
  await page.screenshot({ path: screenshotPath('studio-runs-waiting-1280.png'), fullPage: true });
  await page.click('[data-testid=approval-approve]');
  await page.waitForSelector('[data-testid=run-status][data-status=completed]', { timeout: 15000 });
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=plan-node]')].every((n) => n.getAttribute('data-state') === 'done'));
  assert.match(readFileSync(path.join(ws, 'notes.txt'), 'utf8'), /Summary for: write the summary to notes\.txt/);
  assert.ok(((await page.textContent('[data-testid=run-final]')) ?? '').length > 0);
  const log = await page.$$eval('[data-testid=run-log] li', (lis) => lis.map((l) => l.getAttribute('data-type')));
  for (const t of ['plan', 'tool_call', 'tool_result', 'critique', 'synthesis']) assert.ok(log.includes(t), `step log shows ${t}`);
  await page.screenshot({ path: screenshotPath('studio-runs-done-1280.png'), fullPage: true });
  // The report shows in the panel; Save downloads it as Markdown.
  await page.click('[data-testid=run-report]');
  await page.waitForSelector('[data-testid=run-report-text]');
  assert.match((await page.textContent('[data-testid=run-report-text]')) ?? '', /^# Run report: write the summary to notes\.txt/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=run-report-save]')]);
  assert.match(download.suggestedFilename(), /^run_.*\.md$/);
  const file = await download.path();
  const md = readFileSync(file!, 'utf8');
  assert.match(md, /^# Run report: write the summary to notes\.txt/);
  assert.match(md, /write 44 bytes to .*notes\.txt — \*\*executed\*\*/);

  // Second run: pause while it waits, resume, deny with a reason — the run continues without the file.
  await startRun(page, 'template:plan_execute_critique', 'write the draft to draft.txt');
  await page.waitForSelector('[data-testid=run-approval]', { timeout: 15000 });
  await page.click('[data-testid=run-pause]');
  await page.waitForSelector('[data-testid=run-status][data-status=paused]');
  await page.click('[data-testid=run-resume]');
  await page.waitForSelector('[data-testid=run-status]:not([data-status=paused])');
  await page.fill('[data-testid=approval-reason]', 'not that file');
  await page.click('[data-testid=approval-deny]');
  await page.waitForSelector('[data-testid=run-status][data-status=completed]', { timeout: 15000 });
  assert.equal(existsSync(path.join(ws, 'draft.txt')), false);
  assert.match((await page.textContent('[data-testid=run-log]')) ?? '', /Denied by .*not that file/);

  // Third run: cancel while it waits.
  await startRun(page, 'template:plan_execute_critique', 'write the list to list.txt');
  await page.waitForSelector('[data-testid=run-approval]', { timeout: 15000 });
  await page.click('[data-testid=run-cancel]');
  await page.waitForSelector('[data-testid=run-status][data-status=cancelled]');

  // History with a state filter.
  await page.click('[data-testid=back]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 3);
  await page.selectOption('[data-testid=filter-run-status]', 'cancelled');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 1);
  await page.selectOption('[data-testid=filter-run-status]', '');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 3);
  assert.deepEqual(errors, []);
  await page.close();

  // A 300 px sidebar: the list and a run's detail fit without horizontal scrolling.
  const narrow = await browser.newPage({ viewport: { width: 300, height: 1100 } });
  await narrow.goto(`${s.url}/?token=${s.token}#runs`);
  await narrow.waitForSelector('[data-testid=run-row][data-status=completed]');
  await narrow.locator('[data-testid=run-row][data-status=completed]').last().click();
  await narrow.waitForSelector('[data-testid=plan-node][data-state=done]');
  const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `the panel scrolls sideways by ${overflow}px at 300 px`);
  const box = await narrow.locator('[data-testid=plan-graph]').boundingBox();
  assert.ok(box && box.width <= 300, `graph ${box?.width}px wide`);
  await narrow.screenshot({ path: screenshotPath('studio-runs-done-300.png'), fullPage: true });
  await narrow.close();
});
