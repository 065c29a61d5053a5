// In a real VS Code (code-server) with the persona policy on: open the Audit and Persona Portfolio views from the
// command palette (their `<viewId>.focus` commands), as a user would. In the portfolio of a lineage with two
// persona branches, a reject without a note is refused by the policy (the view names the rule, the branch stays
// pending), then a manual override with a note goes through — and both decisions appear in the Audit view, the
// block highlighted with its rule. Needs `npm run package` and scripts/setup-code-server.sh first (.ci/run does both).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame, Page } from 'playwright-core';
import { openEditor, screenshotPath, until, webviewFrame, type Editor } from '../helpers/codeServer';

let editor: Editor;
let page: Page;
const API = '/api/integrations';

before(async () => {
  editor = await openEditor({ 'agentora.server.port': 0, 'agentora.personaPolicy.enabled': true });
  page = editor.page;
});
after(() => editor?.stop());

const statusReady = () => page.$('[aria-label*="Agentora server is ready"], .statusbar-item:has-text("Agentora") .codicon-pulse');

/** Run a command from the palette (retrying F1 until the palette shows: a webview may hold the focus). */
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

/** The frame of a view, opened by its focus command; a blank webview under load gets one "Reload Webviews". */
async function openView(name: string, selector: string): Promise<Frame> {
  await palette(`Focus on ${name} View`);
  return webviewFrame(page, selector, 45000).catch(async () => {
    console.log(`# the ${name} webview did not render in 45 s: reloading webviews`);
    await palette('Developer: Reload Webviews');
    return webviewFrame(page, selector, 45000);
  });
}

test('Persona Portfolio: a policy-blocked reject names its rule and changes nothing; an override with a note shows in the Audit view', async () => {
  try {
    await scenario();
  } catch (err) {
    await page.screenshot({ path: screenshotPath('e2e-vscode-personas-failure.png') });
    throw err;
  }
});

async function scenario() {
  await until('Agentora server ready in the status bar', statusReady, 90000);
  const post = async (p: string, body: unknown) => {
    const r = await editor.agentoraFetch(API + p, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(r.status, 200, `${p}: ${await r.clone().text()}`);
    return (await r.json()) as Record<string, any>;
  };
  const title = `E2E persona root ${Date.now()}`;
  const root = (await post('/runs/launch', { repo: 'acme/e2e-personas', mission_title: title, objective: 'Stabilise the cache', dry_run: true }))
    .id as string;
  const set = await post(`/runs/${root}/persona-branch-set`, {
    dry_run: true,
    specs: [
      { persona_id: 'conservative_stabilizer', overlay: 'conservative_stabilizer' },
      { persona_id: 'rapid_builder', overlay: 'rapid_builder' },
    ],
  });
  const branch = (set.created_drafts as { id: string; persona_id: string }[]).find((d) => d.persona_id === 'rapid_builder')!.id;

  // Room for the two views in the sidebar, so the screenshots show them: a taller window.
  await page.setViewportSize({ width: 1400, height: 1600 });

  // The Audit view first, scoped to this lineage: the branches' persona assignments are there, no override yet.
  let audit = await openView('Audit', '[data-testid=audit-panel]');
  await until('the lineage in the Audit scope', async () => audit.$(`[data-testid=audit-root] option[value="${root}"]`), 30000);
  await audit.selectOption('[data-testid=audit-root]', root);
  await until(
    'the persona assignments in the audit timeline',
    async () => audit.$('[data-testid=audit-event][data-type=persona_assignment_changed]'),
    30000,
  );
  assert.equal(await audit.locator('[data-testid=audit-event][data-type=override_applied]').count(), 0);

  // The Persona Portfolio view on the same root.
  const personas = await openView('Persona Portfolio', '[data-testid=personas-panel]');
  await until('the root in the portfolio picker', async () => personas.$(`[data-testid=root-select] option[value="${root}"]`), 30000);
  await personas.selectOption('[data-testid=root-select]', root);
  const card = personas.locator(`[data-testid=branch][data-run="${branch}"]`);
  await card.waitFor({ timeout: 30000 });
  assert.equal(await card.locator('[data-testid=rec-state]').textContent(), 'pending');

  // Reject with no note: refused by the policy, the rule shown, the branch unchanged.
  await card.locator('[data-testid=reject]').click();
  const block = card.locator('[data-testid=policy-block]');
  await block.waitFor({ timeout: 20000 });
  assert.equal(await block.getAttribute('data-rule'), 'override_reason_required');
  assert.match((await block.textContent()) ?? '', /override_reason_required/);
  assert.equal(await card.locator('[data-testid=rec-state]').textContent(), 'pending');
  const unchanged = (await (await editor.agentoraFetch(`${API}/runs/${branch}`)).json()) as Record<string, unknown>;
  assert.equal(unchanged.recommendation_state, 'pending');
  assert.equal(unchanged.operator_override_status, 'none');
  await block.scrollIntoViewIfNeeded();
  await card.screenshot({ path: screenshotPath('e2e-vscode-personas-blocked-card.png') });
  await page.screenshot({ path: screenshotPath('e2e-vscode-personas-blocked.png') });

  // With a note: eliminate instead of the recommendation.
  const note = 'e2e: the diff touches too much';
  await card.locator('[data-testid=override-note]').fill(note);
  await card.locator('[data-testid=override-eliminate]').click();
  await until(
    'the branch overridden in the portfolio',
    async () => personas.$(`[data-testid=branch][data-run="${branch}"][data-state=overridden]`),
    20000,
  );
  assert.equal(await card.locator('[data-testid=decision]').textContent(), 'eliminated');
  assert.match((await card.textContent()) ?? '', new RegExp(note));
  assert.equal(await card.locator('[data-testid=policy-block]').count(), 0);
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: screenshotPath('e2e-vscode-personas-overridden-card.png') });
  await page.screenshot({ path: screenshotPath('e2e-vscode-personas-overridden.png') });

  // Back in the Audit view: the override with its note, and the block highlighted with its rule.
  audit = await openView('Audit', '[data-testid=audit-panel]');
  const override = await until(
    'the override in the Audit view',
    async () => {
      const el = audit.locator('[data-testid=audit-event][data-type=override_applied]');
      return (await el.count()) === 1 && el;
    },
    30000,
  ).catch(async (err) => {
    await page.screenshot({ path: screenshotPath('e2e-vscode-audit-timeout.png') });
    throw err;
  });
  assert.equal(await override.getAttribute('data-actor-kind'), 'operator');
  assert.match((await override.textContent()) ?? '', new RegExp(`pending → overridden[\\s\\S]*${note}[\\s\\S]*${branch}`));
  const blocked = audit.locator('[data-testid=audit-event][data-type=policy_blocked_action]');
  assert.equal(await blocked.count(), 1);
  assert.equal(await blocked.getAttribute('data-rule'), 'override_reason_required');
  assert.match((await blocked.locator('[data-testid=event-rule]').textContent()) ?? '', /override_reason_required/);
  assert.match((await audit.textContent('[data-testid=audit-stats]')) ?? '', /1 policy block/);
  await audit.locator('[data-testid=audit-stats]').scrollIntoViewIfNeeded();
  await audit.locator('[data-testid=audit-timeline]').screenshot({ path: screenshotPath('e2e-vscode-audit-timeline.png') });
  await page.screenshot({ path: screenshotPath('e2e-vscode-audit.png') });
}
