// A server that cannot start must become a notification with "Show Logs" and "Retry" and an error status bar —
// never a silently dead extension. Here the configured Node runtime does not exist.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openEditor, screenshotPath, until, type Editor } from '../helpers/codeServer';

let editor: Editor;
before(async () => {
  editor = await openEditor({ 'agentora.server.runtime': '/nonexistent/node' });
});
after(() => editor?.stop());

test('a missing Node runtime shows "failed to start" with Show Logs and Retry, and an error status bar', async () => {
  const { page } = editor;
  const toast = await until('the failure notification', async () => page.$('.notification-toast:has-text("Agentora server failed to start")'), 60000);
  assert.match((await toast.textContent()) ?? '', /runtime: '\/nonexistent\/node'/);
  assert.ok(await toast.$('text=Show Logs'));
  assert.ok(await toast.$('text=Retry'));
  await page.screenshot({ path: screenshotPath('e2e-vscode-start-failure.png') });
  await until('the error status bar item', async () => page.$('.statusbar-item:has-text("Agentora") .codicon-error'), 20000);
});
