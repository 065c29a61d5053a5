// In a real VS Code (code-server), as a user would: open the Runs view from the command palette (its focus
// command), start a run from the plan-execute-critique template with a goal that writes a file (the mock model is
// the default); the plan graph fills live; the agent's write raises the editor notification, and Approve on it
// continues the run, which the Runs view shows complete (the file written once); then "Agentora: Open Run Report"
// opens the run's Markdown report in an editor. Needs `npm run package` and scripts/setup-code-server.sh first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { openEditor, screenshotPath, until, webviewFrame, type Editor } from '../helpers/codeServer';

let editor: Editor;
let page: Page;

before(async () => {
  editor = await openEditor({ 'agentora.server.port': 0 });
  page = editor.page;
});
after(() => editor?.stop());

const statusReady = () => page.$('[aria-label*="Agentora server is ready"], .statusbar-item:has-text("Agentora") .codicon-pulse');
const toast = (text: string) => `.notifications-toasts .notification-toast:has-text("${text}")`;

/** F1, type the command's title, Enter on it once it is the focused row (the palette may need a second try). */
async function palette(title: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.click('.part.editor', { position: { x: 120, y: 60 } }).catch(() => undefined);
    await page.keyboard.press('F1');
    const open = await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 5000 }).then(
      () => true,
      () => false,
    );
    if (open) break;
    if (attempt >= 4) throw new Error('the command palette did not open');
  }
  await page.keyboard.type(title);
  await until(`"${title}" focused in the palette`, async () => page.$(`.quick-input-list .monaco-list-row.focused[aria-label*="${title}"]`), 20000);
  await page.keyboard.press('Enter');
}

test('start a run in the Runs view; approve its write on the notification; it completes; open its report', async () => {
  await until('Agentora server ready in the status bar', statusReady, 90000);
  const ws = realpathSync(editor.workspace);
  await until(
    'the workspace folder as the allowed root',
    async () => {
      const r = await editor.agentoraFetch('/api/actions/policy');
      const p = r.ok ? await r.json() : null;
      return p?.roots_source === 'workspace' && p.allowed_roots[0] === ws;
    },
    90000,
  );

  await palette('Focus on Runs View');
  // Make room for it, as a user would: collapse the Missions view above it.
  const missions = await page.$('.pane-header[aria-expanded=true]:has-text("Missions")');
  if (missions) await missions.click();
  const runs: Frame = await webviewFrame(page, '[data-testid=runs-panel]', 90000).catch(async (err) => {
    await page.screenshot({ path: screenshotPath('e2e-vscode-runs-timeout.png') });
    throw err;
  });
  await runs.click('[data-testid=nav-start]');
  await runs.waitForSelector('[data-testid=start-team] option[value="template:plan_execute_critique"]', { state: 'attached' });
  await runs.selectOption('[data-testid=start-team]', 'template:plan_execute_critique');
  await runs.fill('[data-testid=start-goal]', 'write the summary to notes.txt');
  await runs.click('[data-testid=start-run]');

  // Live: the plan graph fills and the run comes to wait for the operator.
  await runs.waitForSelector('[data-testid=run-detail]');
  await until('three plan nodes', async () => (await runs.locator('[data-testid=plan-node]').count()) === 3, 30000);
  await runs.waitForSelector('[data-testid=run-status][data-status=waiting_approval]', { timeout: 30000 });
  assert.match((await runs.textContent('[data-testid=approval-summary]')) ?? '', /notes\.txt/);
  assert.equal(existsSync(path.join(ws, 'notes.txt')), false, 'written before approval');

  // The editor notification for the agent's write; Approve on it continues the run.
  await until('the approval notification', () => page.$(toast('notes.txt')), 30000);
  await page.screenshot({ path: screenshotPath('e2e-vscode-runs-waiting.png') });
  await page.click(`${toast('notes.txt')} .monaco-button:has-text("Approve")`);
  await runs.waitForSelector('[data-testid=run-status][data-status=completed]', { timeout: 30000 });
  await until('every plan node done', async () => (await runs.locator('[data-testid=plan-node][data-state=done]').count()) === 3, 15000);
  assert.match(readFileSync(path.join(ws, 'notes.txt'), 'utf8'), /Summary for: write the summary to notes\.txt/);
  assert.ok(((await runs.textContent('[data-testid=run-final]')) ?? '').trim().length > 0, 'a final answer is shown');
  await page.screenshot({ path: screenshotPath('e2e-vscode-runs-completed.png') });

  // The history lists it as completed.
  await runs.click('[data-testid=nav-runs]');
  await runs.waitForSelector('[data-testid=run-row][data-status=completed]:has-text("write the summary to notes.txt")');

  // Its report, from the palette, in an editor.
  await palette('Agentora: Open Run Report');
  await until(
    'the run quick pick',
    async () => (await page.textContent('.quick-input-widget .quick-input-title').catch(() => ''))?.includes('Open Run Report'),
    30000,
  );
  await page.keyboard.type('write the summary');
  await until(
    'the run focused in the pick',
    async () => page.$('.quick-input-list .monaco-list-row.focused[aria-label*="write the summary"]'),
    20000,
  );
  await page.keyboard.press('Enter');
  await page.waitForSelector('.monaco-editor .view-lines:has-text("Run report: write the summary to notes.txt")', { timeout: 30000 });
  await until('the run completed in the report', async () => page.$('.monaco-editor .view-lines:has-text("Status: **completed**")'), 20000);
  await page.screenshot({ path: screenshotPath('e2e-vscode-runs-report.png') });
});
