// The Persona portfolio and Audit panels in the standalone studio (real Chromium, the same bundle VS Code loads),
// driven like a person: a reject without a note is refused by the persona policy and the rule is shown; an
// override with a note goes through; a heat-map cell drills down to exactly its runs; the audit timeline tells
// operator from system, highlights the block with its rule, filters, and exports. At 300 px and 1280 px, with
// screenshots in test-results/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { screenshotPath, until } from '../helpers/codeServer';
import { launchRootMission } from '../helpers/missions';

const API = '/api/integrations';
let s: TestServer;
let browser: Browser;
let root: string;

const post = async (p: string, body: unknown) => (await s.fetch(API + p, { method: 'POST', body: JSON.stringify(body) })).json() as Promise<any>;
const get = async (p: string) => (await s.fetch(API + p)).json() as Promise<any>;

before(async () => {
  s = await startServer({
    AGENTORA_MISSIONS_WATCHER_ENABLED: 'true',
    AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1',
    AGENTORA_PERSONA_POLICY_ENABLED: 'true',
  });
  browser = await launchChromium();
  root = await launchRootMission(s, {
    repo: 'acme/portfolio-with-a-rather-long-name',
    mission_title: 'Speed up the cache',
    objective: 'Make the cache faster',
  });
  const set = await post(`/runs/${root}/persona-branch-set`, {
    auto_launch_selected: true,
    specs: [
      { persona_id: 'conservative_stabilizer', overlay: 'conservative_stabilizer', launch: true },
      { persona_id: 'rapid_builder', overlay: 'rapid_builder', launch: true },
    ],
  });
  for (const l of set.launched_runs) await until('branch terminal', async () => (await get(`/runs/${l.id}`)).run.terminal, 20000);
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

async function open(page: Page, hash: string, ready: string) {
  await page.goto(`${s.url}/?token=${s.token}#${hash}`);
  await page.waitForSelector(ready);
}

async function noSidewaysScroll(page: Page, what: string) {
  const over = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= w + 1) return [];
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > w + 1 && !el.closest('.scroll'))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}px`);
  });
  assert.deepEqual(over, [], `${what}: nothing may stick out sideways`);
}

test('Persona portfolio: a blocked reject shows its rule and changes nothing; an override with a note goes through; heat-map drill-down', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await open(page, 'personas', '[data-testid=branch]');
  assert.equal(await page.locator('[data-testid=branch]').count(), 2);
  const card = page.locator('[data-testid=branch][data-persona=rapid_builder]');
  assert.match((await card.textContent()) ?? '', /constraint_relaxation/);
  assert.match((await card.locator('[data-testid=recommendation]').textContent()) ?? '', /Recommends (shortlist|hold|eliminate)/);

  // Reject with no note: the policy refuses, the panel names the rule, the branch stays pending.
  await card.locator('[data-testid=reject]').click();
  const block = card.locator('[data-testid=policy-block]');
  await block.waitFor();
  assert.equal(await block.getAttribute('data-rule'), 'override_reason_required');
  assert.match((await block.textContent()) ?? '', /override_reason_required/);
  assert.equal(await card.locator('[data-testid=rec-state]').textContent(), 'pending');
  await page.screenshot({ path: screenshotPath('studio-personas-blocked-1280.png'), fullPage: true });

  // With a note, an override: eliminate instead of the recommendation.
  await card.locator('[data-testid=override-note]').fill('the diff touches too much');
  await card.locator('[data-testid=override-eliminate]').click();
  await page.waitForSelector('[data-testid=branch][data-persona=rapid_builder][data-state=overridden]');
  const done = page.locator('[data-testid=branch][data-persona=rapid_builder]');
  assert.equal(await done.locator('[data-testid=decision]').textContent(), 'eliminated');
  assert.match((await done.textContent()) ?? '', /the diff touches too much/);
  assert.equal(await done.locator('[data-testid=policy-block]').count(), 0);
  assert.equal((await get(`/runs/${await done.getAttribute('data-run')}`)).operator_override_note, 'the diff touches too much');

  // Heat map: all time; the rapid_builder × constraint_relaxation cell lists exactly its runs.
  await page.selectOption('[data-testid=window]', 'all');
  const cell = page.locator('[data-testid=heat-cell][data-persona=rapid_builder][data-strategy=constraint_relaxation]');
  await cell.waitFor();
  const count = Number(await cell.getAttribute('data-count'));
  assert.equal(count, 1);
  await cell.click();
  await page.waitForSelector('[data-testid=drilldown]');
  assert.equal(await page.locator('[data-testid=drill-run]').count(), count);
  assert.equal(await page.locator('[data-testid=drill-run]').first().getAttribute('data-run'), await done.getAttribute('data-run'));
  // Keyboard works too: focus another cell and press Enter.
  const other = page.locator('[data-testid=heat-cell][data-persona=default]');
  await other.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=drilldown] h4:has-text("default × none")');
  assert.ok((await page.locator('[data-testid=trend]').count()) >= 3, 'a sparkline per persona');
  await page.screenshot({ path: screenshotPath('studio-personas-1280.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('Audit: the timeline tells operator from system, highlights the block with its rule, filters and exports', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1200 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await open(page, 'audit', '[data-testid=audit-event]');
  const blocked = page.locator('[data-testid=audit-event][data-type=policy_blocked_action]');
  assert.equal(await blocked.count(), 1);
  assert.equal(await blocked.getAttribute('data-rule'), 'override_reason_required');
  assert.match((await blocked.locator('[data-testid=event-rule]').textContent()) ?? '', /override_reason_required/);
  assert.equal(await blocked.getAttribute('data-actor-kind'), 'operator');
  assert.ok((await page.locator('[data-testid=audit-event][data-type=override_applied]').count()) === 1);
  assert.match((await page.textContent('[data-testid=audit-stats]')) ?? '', /1 policy block/);

  await page.check('[data-testid=audit-blocks]');
  await until('only blocks', async () => (await page.locator('[data-testid=audit-event]').count()) === 1, 20000);
  await page.uncheck('[data-testid=audit-blocks]');
  await page.selectOption('[data-testid=audit-actor]', 'system');
  await page.waitForSelector('[data-testid=audit-empty]');
  await page.selectOption('[data-testid=audit-actor]', '');
  await page.selectOption('[data-testid=audit-type]', 'persona_assignment_changed');
  await until('assignments only', async () => (await page.locator('[data-testid=audit-event]').count()) === 2, 20000);
  await page.selectOption('[data-testid=audit-type]', '');
  await page.selectOption('[data-testid=audit-root]', root);
  await page.waitForSelector('[data-testid=audit-event][data-type=policy_blocked_action]');

  await page.click('[data-testid=audit-export]');
  const link = page.locator('[data-testid=audit-download]');
  await link.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const body = JSON.parse(
    await new Promise<string>((resolve, reject) => {
      download.createReadStream().then((st) => {
        let t = '';
        st.on('data', (d) => (t += d));
        st.on('end', () => resolve(t));
        st.on('error', reject);
      }, reject);
    }),
  );
  assert.equal(body.kind, 'audit-summary');
  assert.equal(body.filters.root_run_id, root);
  assert.equal(body.rollup.policy_blocked_events, 1);
  await page.screenshot({ path: screenshotPath('studio-audit-1280.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('both panels at 300 px: nothing sticks out sideways (the heat map scrolls inside its box)', async () => {
  const page = await browser.newPage({ viewport: { width: 300, height: 1400 } });
  await open(page, 'personas', '[data-testid=branch]');
  await page.selectOption('[data-testid=window]', 'all');
  await page.waitForSelector('[data-testid=heat-cell]');
  await noSidewaysScroll(page, 'personas');
  // Every heat-map label is inside the map's box at 300 px, whole: none cut at the edge or hidden until a
  // sideways scroll, none shortened with an ellipsis (a long persona name wraps at an underscore instead).
  const labels = await page.$$eval('[data-testid=heatmap] text:not(.n)', (texts) => {
    const box = texts[0]!.closest('.scroll')!.getBoundingClientRect();
    return texts.map((t) => {
      const r = t.getBoundingClientRect();
      const shown = [...t.childNodes]
        .filter((n) => n.nodeName !== 'title')
        .map((n) => n.textContent)
        .join('');
      return { shown, inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 };
    });
  });
  assert.deepEqual(
    labels.filter((l) => !l.inside || l.shown.includes('…')),
    [],
    `heat-map labels cut or hidden at 300 px: ${JSON.stringify(labels)}`,
  );
  for (const name of ['conservative_stabilizer', 'rapid_builder', 'constraint_relaxation'])
    assert.ok(
      labels.some((l) => l.shown === name),
      `${name} is shown whole: ${JSON.stringify(labels)}`,
    );
  await page.screenshot({ path: screenshotPath('studio-personas-300.png'), fullPage: true });
  await open(page, 'audit', '[data-testid=audit-event]');
  await noSidewaysScroll(page, 'audit');
  await page.screenshot({ path: screenshotPath('studio-audit-300.png'), fullPage: true });
  await page.close();
});
