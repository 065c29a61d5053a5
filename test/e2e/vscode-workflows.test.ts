// In a real VS Code (code-server): the operator opens the Workflows view (its focus command from the palette),
// picks a workflow, fills the inputs form and starts an auto run; the run stops at its approval gate
// (waiting_approval, shown in the view) and the gate raises the editor notification; "Approve" on the toast
// continues the run to completed, which the view shows. Needs `npm run package` and scripts/setup-code-server.sh.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame, Page } from 'playwright-core';
import { openEditor, screenshotPath, until, type Editor } from '../helpers/codeServer';

let editor: Editor;
let page: Page;

before(async () => {
  editor = await openEditor({ 'agentora.server.port': 0, 'agentora.models.useMock': true });
  page = editor.page;
});
after(() => editor?.stop());

const statusReady = () => page.$('[aria-label*="Agentora server is ready"], .statusbar-item:has-text("Agentora") .codicon-pulse');
const toast = (text: string) => `.notifications-toasts .notification-toast:has-text("${text}")`;

/** A command from the palette (focus the workbench first: a webview may hold the keyboard). */
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

/** The webview frame holding `selector`; one "Developer: Reload Webviews" if a view stays blank under load. */
async function viewFrame(selector: string, name: string): Promise<Frame> {
  const started = Date.now();
  let reloaded = false;
  return until<Frame>(
    name,
    async () => {
      if (!reloaded && Date.now() - started > 30000) {
        reloaded = true;
        console.log(`# ${name}: webview blank after 30 s, reloading webviews`);
        await palette('Developer: Reload Webviews');
      }
      for (const f of page.frames()) if (await f.$(selector).catch(() => null)) return f;
      return undefined;
    },
    90000,
  ).catch(async (err) => {
    await page.screenshot({ path: screenshotPath('e2e-vscode-workflows-timeout.png') });
    throw err;
  });
}

test('an approval gate raises the editor notification; Approve on it continues the run to completed', async () => {
  await until('Agentora server ready in the status bar', statusReady, 90000);
  const name = `E2E gated ${Date.now()}`;
  const created = await editor.agentoraFetch('/api/workflows', {
    method: 'POST',
    body: JSON.stringify({
      name,
      description: 'outline, gate, final',
      params_schema: { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] },
      steps: [
        { name: 'outline', step_type: 'model_call', params: { prompt: 'Outline {{inputs.topic}}' } },
        { name: 'gate', step_type: 'approval_gate', params: { message: 'Check the outline before the final text' } },
        { name: 'final', step_type: 'model_call', params: { prompt: 'Final text after {{steps.outline.output}}' } },
      ],
    }),
  });
  assert.equal(created.status, 200);
  const wf = ((await created.json()) as { item: { id: number } }).item;

  // The operator opens the Workflows view, picks the workflow, fills the inputs form and starts an auto run.
  await palette('Focus on Workflows View');
  // Room for the run: collapse the Missions view above it (a click on its header, as a user would).
  const missionsHeader = '.pane-header[aria-label^="Missions"][aria-expanded="true"]';
  if (await page.$(missionsHeader)) await page.click(missionsHeader);
  let frame = await viewFrame(`[data-testid=wf-select] option[value="${wf.id}"]`, 'the Workflows view listing the workflow');
  await frame.selectOption('[data-testid=wf-select]', String(wf.id));
  await frame.waitForSelector('[data-testid=wf-run-input-topic]');
  await frame.fill('[data-testid=wf-run-input-topic]', 'release notes');
  await frame.selectOption('[data-testid=wf-mode]', 'auto');
  await frame.click('[data-testid=wf-start]');

  // The gate raises the editor notification at once (a toast hides again after a while, so look right away).
  const gateToast = toast("at step 2 'gate'");
  const inCenter = `.notifications-center .notification-list-item:has-text("at step 2 'gate'")`;
  await until('the approval notification for the gate', () => page.$(gateToast), 30000).catch(async (err) => {
    await palette('Notifications: Show Notifications');
    await page.screenshot({ path: screenshotPath('e2e-vscode-workflows-no-toast.png') });
    throw err;
  });
  assert.match(
    (await page.textContent(gateToast)) ?? '',
    /Agent workflow wants to continue workflow run \d+ at step 2 'gate': Check the outline before the final text/,
  );
  // The run stops at the gate: waiting_approval in the view (with the gate's own Approve), step 3 not started.
  frame = await viewFrame('[data-testid=wf-run][data-status=waiting_approval]', 'the run waiting at its gate');
  const runs = (await (await editor.agentoraFetch(`/api/workflows/${wf.id}/runs`)).json()) as { items: { id: number; status: string }[] };
  assert.equal(runs.items.length, 1);
  const runId = runs.items[0]!.id;
  assert.equal((await frame.textContent('[data-testid=wf-run-status]'))?.trim(), 'waiting_approval');
  assert.ok(await frame.$('[data-testid=wf-run-step][data-position="2"][data-status=waiting_approval] [data-testid=wf-approve]'));
  assert.ok(await frame.$('[data-testid=wf-run-step][data-position="3"][data-status=pending]'));
  await frame.locator('[data-testid=wf-run-step][data-position="2"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('e2e-vscode-workflows-gate.png') });
  const waiting = (await (await editor.agentoraFetch(`/api/operator/runs/${runId}`)).json()) as any;
  assert.equal(waiting.run.status, 'waiting_approval');
  assert.equal(waiting.steps[2].status, 'pending');

  // Approve on the notification, like a user: on the toast, or — if it has hidden meanwhile — in the
  // notification center, where VS Code keeps it.
  const approveOnToast = `${gateToast} .monaco-button:has-text("Approve")`;
  if (await page.$(approveOnToast)) await page.click(approveOnToast);
  else {
    console.log('# the toast had hidden: approving from the notification center');
    await palette('Notifications: Show Notifications');
    const approveInCenter = `${inCenter} .monaco-button:has-text("Approve")`;
    await until('the gate in the notification center', () => page.$(approveInCenter), 20000);
    await page.click(approveInCenter);
  }
  frame = await viewFrame('[data-testid=wf-run][data-status=completed]', 'the run completed in the Workflows view');
  assert.deepEqual(await frame.$$eval('[data-testid=wf-run-step]', (els) => els.map((e) => e.getAttribute('data-status'))), ['done', 'done', 'done']);
  await until(
    'the history to list the run as completed',
    async () => frame.$(`[data-testid=wf-history-item][data-status=completed]:has-text("Run ${runId}")`),
    20000,
  );
  const done = (await (await editor.agentoraFetch(`/api/operator/runs/${runId}`)).json()) as any;
  assert.equal(done.run.status, 'completed');
  const gate = done.requests.find((r: { id: number }) => r.id === done.steps[1].gate_action_id);
  assert.equal(gate.status, 'executed');
  assert.equal(gate.decided_by, 'vscode');
  await frame.locator('[data-testid=wf-run-status]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('e2e-vscode-workflows-completed.png') });
});
