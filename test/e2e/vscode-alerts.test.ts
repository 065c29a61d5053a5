// In a real VS Code (code-server): a mission that becomes high risk raises one alert, and the editor shows it as a
// warning notification ("High risk (heuristic): …") whose Open shows the mission. Alerts go to a webhook sink
// fake (alerts are delivered through the outbox; the notification is raised on the first delivery), with the
// high-risk threshold at 0 flags so a prepared mission counts as high risk at once.
// Needs `npm run package` and scripts/setup-code-server.sh first (.ci/run does both).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openEditor, screenshotPath, until, type Editor } from '../helpers/codeServer';
import { startWebhookSink, type WebhookSink } from '../fakes/webhook';

let editor: Editor;
let page: Page;
let sink: WebhookSink;

before(async () => {
  sink = await startWebhookSink();
  editor = await openEditor({
    'agentora.server.port': 0,
    'agentora.missions.alertsEnabled': true,
    'agentora.missions.alertsWebhookUrl': sink.url,
    'agentora.missions.riskThresholdHigh': 0,
  });
  page = editor.page;
});
after(async () => {
  await editor?.stop();
  await sink?.close();
});

const statusReady = () => page.$('[aria-label*="Agentora server is ready"], .statusbar-item:has-text("Agentora") .codicon-pulse');

test('a high-risk mission shows one warning notification in the editor; Open shows the mission', async () => {
  await until('Agentora server ready in the status bar', statusReady, 90000);
  const title = `E2E risky ${Date.now()}`;
  const r = await editor.agentoraFetch('/api/integrations/runs/prepare', {
    method: 'POST',
    body: JSON.stringify({ persona_id: 'skeptic_reviewer', repo: 'acme/e2e-alerts', mission_title: title, objective: 'Touch everything' }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  const prepared = (await r.json()) as { run_id: string; run: { risk_level: string } };
  assert.equal(prepared.run.risk_level, 'high');

  const toast = `.notification-toast:has-text("High risk (heuristic): ${title}")`;
  await until('the high-risk notification', async () => page.$(toast), 30000);
  // Slid fully in (the toast animates up from the bottom edge) before the screenshot.
  await until('the notification fully shown', async () => {
    const box = await page.locator(`${toast} .monaco-button:has-text("Open")`).boundingBox();
    return box && box.y + box.height <= (page.viewportSize()?.height ?? 900) - 20;
  });
  await page.screenshot({ path: screenshotPath('e2e-vscode-high-risk-alert.png') });
  // The sink got the alert once, as the notification says.
  const alerts = sink.received.filter((x) => x.body?.run_id === prepared.run_id && x.body?.type === 'high_risk');
  assert.equal(alerts.length, 1);

  await page.click(`${toast} .monaco-button:has-text("Open")`);
  await until(
    'the mission document',
    async () => ((await page.textContent('.tabs-container .tab.active .label-name').catch(() => '')) ?? '').includes(`Mission ${title}`),
    30000,
  );
  // Once per transition: no second notification for the same mission.
  assert.equal(await page.locator(toast).count(), 0);
});
