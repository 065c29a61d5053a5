// In a real VS Code (code-server): a memory created through the HTTP API (editor.agentoraFetch) is found in the
// Memory sidebar panel; "Agentora: Run Memory Maintenance" shows a progress notification and then its result,
// whose "Show Report" opens the Memory view (its Maintenance tab holds the report).
// Needs `npm run package` and scripts/setup-code-server.sh first (.ci/run does both).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame, Page } from 'playwright-core';
import { openEditor, runCommand, screenshotPath, until, type Editor } from '../helpers/codeServer';

let editor: Editor;
let page: Page;

before(async () => {
  editor = await openEditor({ 'agentora.server.port': 0 });
  page = editor.page;
});
after(() => editor?.stop());

const statusReady = () => page.$('[aria-label*="Agentora server is ready"], .statusbar-item:has-text("Agentora") .codicon-pulse');
const memoryFrame = () =>
  until<Frame>(
    'the Memory panel in its webview',
    async () => {
      for (const f of page.frames()) if (await f.$('[data-testid=search-query]').catch(() => null)) return f;
      return undefined;
    },
    60000,
  );

test('a memory created through the API is found in the Memory sidebar panel', async () => {
  await until('Agentora server ready in the status bar', statusReady, 60000);
  const res = await until(
    'the HTTP API to accept a memory',
    async () => {
      const r = await editor
        .agentoraFetch('/api/memory/capsules', {
          method: 'POST',
          body: JSON.stringify({ text: 'The e2e canary deploys to the blue cluster first.', kind: 'fact' }),
        })
        .catch(() => null);
      return r?.status === 201 ? r : undefined;
    },
    30000,
  );
  const created = (await res.json()) as { capsule: { capsule_id: number } };

  await runCommand(page, 'Run Memory Maintenance');
  const toast = await until('the maintenance result notification', async () => page.$('.notification-toast:has-text("memory maintenance:")'), 60000);
  assert.match((await toast.textContent()) ?? '', /change\(s\)/);
  await (await toast.$('a.monaco-button:has-text("Show Report"), .monaco-button:has-text("Show Report")'))!.click();

  const frame = await memoryFrame();
  await frame.fill('[data-testid=search-query] input', 'canary blue cluster');
  await frame.click('[data-testid=search-button]');
  const hit = await until(
    'the memory in the search results',
    async () => frame.$(`[data-testid=search-results] li[data-capsule="${created.capsule.capsule_id}"]`),
    30000,
  );
  assert.match((await hit.textContent()) ?? '', /e2e canary deploys to the blue cluster/);
  assert.match((await hit.textContent()) ?? '', /admitted #1/);
  await page.screenshot({ path: screenshotPath('e2e-vscode-memory.png') });
});
