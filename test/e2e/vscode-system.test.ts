// In a real VS Code (code-server 4.100.3 = VS Code 1.100.3): install the packaged .vsix, run
// "Agentora: Show System Doctor" from the command palette, and read the doctor items inside the webview.
// Needs `npm run package` and scripts/setup-code-server.sh first (.ci/run does both).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openEditor, runCommand, screenshotPath, until, webviewFrame, type Editor } from '../helpers/codeServer';

let editor: Editor;
let page: Page;

before(async () => {
  editor = await openEditor({ 'agentora.server.port': 0 });
  page = editor.page;
});
after(() => editor?.stop());

const statusReady = () => page.$('[aria-label*="Agentora server is ready"], .statusbar-item:has-text("Agentora") .codicon-pulse');

test('Agentora: Show System Doctor opens the System panel with real doctor items', async () => {
  const started = Date.now();
  await until('Agentora server ready in the status bar', statusReady, 60000);
  const readyMs = Date.now() - started;
  await runCommand(page, 'Show System Doctor');
  const frame = await webviewFrame(page, '[data-testid=doctor-items] li[data-key=port]').catch(async (err) => {
    await page.screenshot({ path: screenshotPath('e2e-vscode-system-failed.png') });
    throw err;
  });
  const keys = await frame.$$eval('[data-testid=doctor-items] li', (lis) => lis.map((l) => l.getAttribute('data-key')));
  assert.deepEqual(keys, ['node_runtime', 'sqlite_native', 'data_dir', 'database', 'ollama', 'integrations', 'workers', 'port']);
  assert.match((await frame.textContent('li[data-key=sqlite_native]')) ?? '', /better-sqlite3 loaded/);
  assert.match((await frame.textContent('li[data-key=data_dir]')) ?? '', /globalStorage|agentora/);
  await page.screenshot({ path: screenshotPath('e2e-vscode-system.png') });
  console.log(`# status bar ready ${readyMs} ms after the workbench loaded`);
});

test('Show Server Status reports the server and how long it took from activation to ready', async () => {
  await runCommand(page, 'Show Server Status');
  const toast = await until(
    'the status notification',
    async () => {
      for (const t of await page.$$('.notifications-toasts .notification-list-item-message')) {
        const text = (await t.textContent()) ?? '';
        if (/Agentora server ready/.test(text)) return text;
      }
      return undefined;
    },
    20000,
  );
  const m = /started (\d+) ms after activation/.exec(toast);
  assert.ok(m, `no startup figure in: ${toast}`);
  assert.match(toast, /HTTP: http:\/\/127\.0\.0\.1:\d+/);
  console.log(`# extension activation → server ready: ${m[1]} ms`);
  await page.keyboard.press('Escape');
});

test('Restart Server brings the server back to ready', async () => {
  await runCommand(page, 'Restart Server');
  await until('status bar ready again', statusReady, 60000);
});
