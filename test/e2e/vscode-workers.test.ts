// In a real VS Code (code-server): open the Workers view from the command palette, create a worker token with its
// button (shown once), start a real `agentora worker` process with it, see the worker turn up live, see a job
// dispatched to it finish there, then revoke the token and see the worker leave (badge "revoked") and the worker
// process stop on the refusal. Needs `npm run package` and scripts/setup-code-server.sh first (.ci/run does both).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame, Page } from 'playwright-core';
import { openEditor, screenshotPath, until, webviewFrame, type Editor } from '../helpers/codeServer';
import { startWorker, type WorkerProc } from '../server/workers-helpers';

let editor: Editor;
let page: Page;
let worker: WorkerProc | undefined;

before(async () => {
  editor = await openEditor({ 'agentora.server.port': 0 });
  page = editor.page;
});
after(async () => {
  await worker?.kill();
  await editor?.stop();
});

const statusReady = () => page.$('[aria-label*="Agentora server is ready"], .statusbar-item:has-text("Agentora") .codicon-pulse');

/** The command palette, as a user opens it (the workbench focused first; a webview may hold the keyboard). */
async function palette(text: string, row: string): Promise<void> {
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
  await page.keyboard.type(text);
  await until(`"${row}" focused in the palette`, async () => page.$(`.quick-input-list .monaco-list-row.focused[aria-label*="${row}"]`), 20000);
  await page.keyboard.press('Enter');
}

test('Workers view: token button, a real worker goes live, runs a job, revoked', async () => {
  await until('Agentora server ready in the status bar', statusReady, 90000);
  // agentora.workers.focus, by its palette title
  await palette('Focus on Workers View', 'Focus on Workers View');
  const frame: Frame = await webviewFrame(page, '[data-testid=worker-token-form]', 90000).catch(async (err) => {
    await page.screenshot({ path: screenshotPath('e2e-vscode-workers-timeout.png') });
    throw err;
  });

  // The token, created with the button and read from the screen (it is shown once).
  await frame.fill('[data-testid=worker-token-name]', 'e2e-desk');
  await frame.click('[data-testid=worker-token-create]');
  const token = ((await (await frame.waitForSelector('[data-testid=worker-token-value]')).textContent()) ?? '').trim();
  assert.match(token, /^wkr_/);
  await page.screenshot({ path: screenshotPath('e2e-vscode-workers-token.png') });
  await frame.click('[data-testid=worker-token-done]');
  assert.equal(await frame.$('[data-testid=worker-token-value]'), null, 'the token is not shown again');

  // A real worker process with it (the mock model on its side): the view shows it live.
  worker = startWorker(editor.agentoraUrl, token, 'http://127.0.0.1:9', ['--capabilities', 'model_chat', '--concurrency', '2'], 'e2e-desk', {
    env: { AGENTORA_USE_MOCK_OLLAMA: 'true' },
  });
  await worker.waitFor(/registered as worker #\d+/, 60000);
  const row = await frame.waitForSelector('[data-testid=worker-row][data-state=live]', { timeout: 60000 });
  assert.match((await row.textContent()) ?? '', /e2e-desk/);
  assert.equal(await frame.textContent('[data-testid=worker-row] [data-testid=worker-state]'), 'live');

  // A job dispatched now runs on it, and the job list says where.
  const r = await editor.agentoraFetch('/api/workers/dispatch', {
    method: 'POST',
    body: JSON.stringify({ job_type: 'model_chat', payload: { messages: [{ role: 'user', content: 'hello from the e2e' }] } }),
  });
  assert.equal(r.status, 200);
  const id = ((await r.json()) as { job: { id: number } }).job.id;
  await frame.waitForSelector(`[data-testid=job-row][data-id="${id}"][data-state=succeeded]`, { timeout: 60000 });
  assert.equal(await frame.textContent(`[data-testid=job-row][data-id="${id}"] [data-testid=job-where]`), 'worker e2e-desk');
  await worker.waitFor(new RegExp(`job ${id} \\(model_chat\\) done`));
  await (await frame.$('[data-testid=worker-row]'))!.scrollIntoViewIfNeeded(); // the view is short in the sidebar
  await page.screenshot({ path: screenshotPath('e2e-vscode-workers-live.png') });

  // Revoke: the worker leaves the live list at once, reads "revoked", and the process stops on the refusal.
  await frame.click('[data-testid=worker-token-row] [data-testid=worker-token-revoke]');
  await frame.waitForSelector('[data-testid=worker-token-row][data-revoked=true]');
  await frame.waitForSelector('[data-testid=show-offline]');
  assert.match((await frame.textContent('[data-testid=worker-summary]')) ?? '', /0 live · 0 stale · 1 offline/);
  await frame.check('[data-testid=show-offline]');
  await frame.waitForSelector('[data-testid=worker-row][data-badge=revoked]');
  assert.equal(await frame.textContent('[data-testid=worker-row] [data-testid=worker-state]'), 'revoked');
  assert.equal(await worker.exited, 3);
  assert.match(worker.out(), /refused this worker's token \(401/);
  await page.screenshot({ path: screenshotPath('e2e-vscode-workers-revoked.png') });
});
