// In a real VS Code (code-server): an action proposed through the HTTP API becomes an editor notification with a
// readable summary; Details opens the diff; "Approve" on the toast writes the file with the exact content; a
// denied one leaves nothing behind. The status bar counts pending approvals. Needs `npm run package` first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openEditor, screenshotPath, until, type Editor } from '../helpers/codeServer';

let editor: Editor;
let page: Page;

before(async () => {
  editor = await openEditor({ 'agentora.server.port': 0 });
  page = editor.page;
});
after(() => editor?.stop());

const toast = (summary: string) => `.notifications-toasts .notification-toast:has-text("${summary}")`;
const toastButton = (summary: string, label: string) => `${toast(summary)} .monaco-button:has-text("${label}")`;
const pendingCount = async () => (await page.textContent('.statusbar-item:has(.codicon-shield)'))?.trim();

async function propose(params: Record<string, unknown>): Promise<{ id: number; status: string; summary: string }> {
  const r = await editor.agentoraFetch('/api/actions', {
    method: 'POST',
    body: JSON.stringify({ agent_id: 'e2e-agent', action_class: 'desktop', tool_name: 'desktop_write_text', params }),
  });
  assert.equal(r.status, 200);
  return r.json();
}

test('a proposed write raises a notification; Details shows the diff; Approve writes exactly that content', async () => {
  const ws = realpathSync(editor.workspace);
  // The extension tells the server its workspace folders once the server is ready: they become the allowed roots.
  await until(
    'the workspace folder as the allowed root',
    async () => {
      const r = await editor.agentoraFetch('/api/actions/policy');
      const p = r.ok ? await r.json() : null;
      return p?.roots_source === 'workspace' && p.allowed_roots[0] === ws;
    },
    90000,
  );
  const content = 'export const greeting = "hello from an approved action";\n';
  const a = await propose({ path: 'src/greeting.ts', content });
  assert.equal(a.status, 'pending');
  assert.equal(a.summary, `write ${Buffer.byteLength(content)} bytes to src/greeting.ts`);
  await until('the approval notification', () => page.$(toast(a.summary)), 30000);
  assert.match((await page.textContent(toast(a.summary))) ?? '', /Agent e2e-agent wants to write 57 bytes to src\/greeting\.ts/);
  for (const label of ['Approve', 'Deny', 'Details']) assert.ok(await page.$(toastButton(a.summary, label)), `${label} button`);
  // desktop_write_text always asks (no grant can apply), so the toast offers no "Always allow" (issue 10 defect 8).
  assert.equal(await page.$(toastButton(a.summary, 'Always allow')), null, 'no Always allow where a grant cannot apply');
  await until('the status bar to count 1 pending approval', async () => (await pendingCount()) === '1', 20000);

  await page.click(toastButton(a.summary, 'Details'));
  await until('the diff editor of current vs proposed', () => page.$('.tab:has-text("greeting.ts: (new file)")'), 20000);
  await until(
    'proposed content in the diff',
    async () => (await page.textContent('.monaco-diff-editor'))?.replace(/\u00a0/g, ' ').includes('hello from an approved action'),
    20000,
  );
  await page.screenshot({ path: screenshotPath('e2e-vscode-actions-details.png') });
  assert.equal(existsSync(path.join(ws, 'src/greeting.ts')), false, 'nothing is written before approval');

  await until('the notification back beside the diff', () => page.$(toastButton(a.summary, 'Approve')), 20000);
  await page.click(toastButton(a.summary, 'Approve'));
  const file = path.join(ws, 'src/greeting.ts');
  await until('the approved file', async () => existsSync(file), 20000);
  assert.equal(readFileSync(file, 'utf8'), content);
  await until('the status bar back to 0', async () => (await pendingCount()) === '0', 20000);
  const h = await (await editor.agentoraFetch('/api/actions/history')).json();
  const approved = h.approval_history.find((x: { action_id: number; event: string }) => x.action_id === a.id && x.event === 'approved');
  assert.equal(approved.actor, 'vscode');
  assert.equal(approved.transport, 'lsp');
  await page.screenshot({ path: screenshotPath('e2e-vscode-actions-approved.png') });
});

test('Deny on the notification leaves nothing behind', async () => {
  const ws = realpathSync(editor.workspace);
  const d = await propose({ path: 'src/denied.ts', content: 'nope\n' });
  await until('the notification', () => page.$(toastButton(d.summary, 'Deny')), 30000);
  await page.click(toastButton(d.summary, 'Deny'));
  await until(
    'the action to be denied',
    async () => {
      const r = await (await editor.agentoraFetch(`/api/actions/${d.id}`)).json();
      return r.status === 'denied';
    },
    20000,
  );
  assert.equal(existsSync(path.join(ws, 'src/denied.ts')), false);
  // The status-bar item opens the Actions view, which shows the same history (the webview talks to the server too).
  await page.click('.statusbar-item:has(.codicon-shield)');
  const findFrame = async () => {
    for (const f of page.frames()) if (await f.$(`[data-testid=history] [data-id="${d.id}"][data-status=denied]`).catch(() => null)) return f;
    return undefined;
  };
  // code-server under load sometimes leaves a freshly shown webview view blank (Missions stays blank too, so it is
  // not this panel); one "Developer: Reload Webviews" brings it back. The panel itself is covered in test/browser.
  let frame = await until('the Actions view with the history', findFrame, 30000).catch(() => undefined);
  if (!frame) {
    console.log('# Actions view blank after 30 s: reloading webviews once');
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget input');
    await page.keyboard.type('Developer: Reload Webviews');
    await until('the reload command', () => page.$('.quick-input-list .monaco-list-row[aria-label*="Reload Webviews"]'), 20000);
    await page.keyboard.press('Enter');
    frame = await until('the Actions view with the history (after reload)', findFrame, 60000).catch(async (err) => {
      await page.screenshot({ path: screenshotPath('e2e-vscode-actions-panel-failed.png') });
      throw err;
    });
  }
  assert.equal(await frame.textContent(`[data-testid=history] [data-id="${d.id}"] [data-testid=action-summary]`), 'write 5 bytes to src/denied.ts');
  await page.screenshot({ path: screenshotPath('e2e-vscode-actions-panel.png') });
});
