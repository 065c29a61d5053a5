// The Branch-set panel in the standalone studio (real Chromium, the same bundle VS Code loads), driven like a
// person: pick presets, edit a branch, launch two, watch them finish (mock integrations, fast watcher), read the
// portfolio chart, shortlist one with a note, open the lineage graph and compare two branches side by side. Then
// the same views at a 300 px sidebar width: nothing sticks out sideways. Screenshots go to test-results/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { screenshotPath } from '../helpers/codeServer';
import { M } from '../../server/src/protocol/calls.gen';

let s: TestServer;
let browser: Browser;
let rootId = '';

async function rpc<T = any>(method: string, params: object): Promise<T> {
  const r = await (await s.fetch('/rpc', { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json();
  if (r.error) throw new Error(`${method}: ${r.error.message}`);
  return r.result as T;
}

before(async () => {
  s = await startServer({ AGENTORA_MISSIONS_WATCHER_ENABLED: 'true', AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.2' });
  browser = await launchChromium();
  const root = await rpc(M.missions.launch, {
    repo: 'acme/cache',
    mission_title: 'Fix the stale cache',
    objective: 'Invalidate the cache when a price changes.',
    constraints: ['Keep Node 20'],
  });
  rootId = root.run.run_id;
  for (const end = Date.now() + 15000; ;) {
    if ((await rpc(M.missions.get, { run_id: rootId })).run.terminal) break;
    if (Date.now() > end) throw new Error('root mission did not finish');
    await new Promise((r) => setTimeout(r, 100));
  }
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

/** Fails when the page scrolls sideways, naming the widest elements (the lineage graph scrolls inside its box). */
async function assertNoSidewaysScroll(page: Page, what: string) {
  const over = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= w + 1) return [];
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > w + 1 && !el.closest('[data-testid=lineage-scroll]'))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}px`);
  });
  assert.deepEqual(over, [], `${what}: nothing may stick out sideways`);
}

test('Branch-set panel: plan a set, launch two branches, read the portfolio chart, shortlist one, lineage and compare', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.url}/?token=${s.token}#branchset`);
  await page.waitForSelector('[data-testid=bs-plan]');
  assert.equal(await page.inputValue('[data-testid=bs-mission]'), rootId, 'the newest mission is picked');
  assert.equal(await page.textContent('[data-testid=bs-source-title]'), 'Fix the stale cache');

  // Plan: three presets; the first renamed and launched, the second with an extra constraint and launched.
  await page.check('[data-testid=bs-preset-conservative_fix]');
  await page.check('[data-testid=bs-preset-minimal_patch]');
  await page.check('[data-testid=bs-preset-exploratory_branch]');
  assert.equal(await page.locator('[data-testid=bs-branch]').count(), 3);
  assert.match(
    await page.inputValue('[data-testid=bs-objective-0]'),
    /conservative fix: the smallest safe change/,
    'the preset shapes the objective',
  );
  await page.fill('[data-testid=bs-label-0]', 'Safe fix');
  await page.check('[data-testid=bs-launch-0]');
  await page.fill('[data-testid=bs-extra-1]', 'Touch only cache.ts');
  await page.check('[data-testid=bs-launch-1]');
  await page.fill('[data-testid=bs-set-label]', 'cache fixes');
  assert.match((await page.textContent('[data-testid=bs-create]')) ?? '', /Create 3 branches, launch 2/);
  await page.screenshot({ path: screenshotPath('branchset-plan-1280.png'), fullPage: true });
  await page.click('[data-testid=bs-create]');

  // The portfolio: three points; the two launched branches finish (PR rings) and rank above the draft.
  await page.waitForSelector('[data-testid=bs-portfolio]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=bs-chart] [data-point][data-pr=true]').length === 2, null, {
    timeout: 20000,
  });
  const points = await page.$$eval('[data-testid=bs-chart] [data-point]', (els) =>
    els.map((e) => ({
      id: e.getAttribute('data-point')!,
      score: Number(e.getAttribute('data-score')),
      pr: e.getAttribute('data-pr') === 'true',
      label: e.getAttribute('aria-label')!,
    })),
  );
  assert.equal(points.length, 3);
  const safe = points.find((p) => p.label.startsWith('Safe fix'))!;
  const draft = points.find((p) => p.label.startsWith('exploratory branch'))!;
  assert.ok(safe.pr && !draft.pr);
  assert.ok(safe.score > draft.score, `a finished branch with a PR ranks above a draft (${safe.score} > ${draft.score})`);
  const rows = await page.$$eval('[data-testid=bs-rank-row]', (els) => els.map((e) => e.textContent ?? ''));
  assert.match(rows[2]!, /exploratory branch/, 'the draft ranks last');
  assert.match((await page.textContent('[data-testid=bs-interpretation]')) ?? '', /heuristic operator aids, not objective truth/);
  assert.ok((await page.locator('[data-testid=bs-suggest-shortlist]').count()) >= 1, 'a finished branch is suggested for the shortlist');

  // Shortlist "Safe fix" from its point, with a note.
  await page.click(`[data-testid=bs-chart] [data-point="${safe.id}"]`);
  await page.waitForSelector(`[data-testid=bs-selected][data-run="${safe.id}"]`);
  assert.match((await page.textContent('[data-testid=bs-explanation]')) ?? '', /mission score .*= \d+/);
  await page.fill('[data-testid=bs-note]', 'smallest diff, tests green');
  await page.click('[data-testid=bs-shortlist]');
  await page.waitForSelector(`[data-testid=bs-chart] [data-point="${safe.id}"][data-decision=shortlisted]`);
  assert.match((await page.textContent(`[data-testid=bs-rank-row][data-run="${safe.id}"]`)) ?? '', /★ Safe fix/);
  const summary = await (await s.fetch(`/api/integrations/lineage/${rootId}/decision-summary`)).json();
  assert.deepEqual(
    summary.shortlisted.map((x: any) => [x.branch_label, x.decision_note]),
    [['Safe fix', 'smallest diff, tests green']],
  );
  await page.screenshot({ path: screenshotPath('branchset-portfolio-1280.png'), fullPage: true });

  // Compare the shortlisted branch with the draft, side by side.
  await page.selectOption('[data-testid=bs-compare-with]', draft.id);
  await page.click('[data-testid=bs-compare-go]');
  await page.waitForSelector('[data-testid=bs-compare-grid]');
  await page.waitForSelector('[data-testid=bs-compare-field][data-field=objective]');
  const heads = await page.$$eval('[data-testid=bs-compare-grid] .head', (els) => els.map((e) => e.textContent));
  assert.deepEqual(heads, ['Safe fix', 'exploratory branch']);
  await page.screenshot({ path: screenshotPath('branchset-compare-1280.png'), fullPage: true });

  // The lineage: the root above its three branches, coloured by state; clicking one makes it the mission.
  await page.click('[data-testid=bs-tab-lineage]');
  await page.waitForSelector('[data-testid=bs-lineage-graph] [data-node]');
  assert.equal(await page.locator('[data-testid=bs-lineage-graph] [data-node]').count(), 4);
  assert.equal(await page.locator('[data-testid=bs-lineage-graph] [data-node][data-state=succeeded]').count(), 3);
  const rootBox = (await page.locator(`[data-node="${rootId}"]`).boundingBox())!;
  const safeBox = (await page.locator(`[data-node="${safe.id}"]`).boundingBox())!;
  assert.ok(rootBox.y < safeBox.y, 'the root is above its branches');
  await page.screenshot({ path: screenshotPath('branchset-lineage-1280.png'), fullPage: true });
  await page.click(`[data-node="${draft.id}"]`);
  await page.waitForSelector('[data-testid=bs-plan]');
  assert.equal(await page.textContent('[data-testid=bs-source-title]'), 'exploratory branch');
  assert.deepEqual(errors, []);
  await page.close();
});

test('Branch-set panel at 300 px: plan, portfolio, lineage and compare fit the sidebar', async () => {
  const page = await browser.newPage({ viewport: { width: 300, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.url}/?token=${s.token}#branchset`);
  await page.waitForSelector('[data-testid=bs-plan]');
  await page.selectOption('[data-testid=bs-mission]', rootId);
  await page.check('[data-testid=bs-preset-constraint_relaxation]');
  await page.waitForSelector('[data-testid=bs-branch]');
  await assertNoSidewaysScroll(page, 'plan at 300px');
  await page.screenshot({ path: screenshotPath('branchset-plan-300.png'), fullPage: true });
  await page.click('[data-testid=bs-tab-portfolio]');
  await page.waitForSelector('[data-testid=bs-chart] [data-point]');
  await page.click('[data-testid=bs-rank-row] button >> nth=0');
  await page.waitForSelector('[data-testid=bs-selected]');
  await assertNoSidewaysScroll(page, 'portfolio at 300px');
  const chart = (await page.locator('[data-testid=bs-chart]').boundingBox())!;
  assert.ok(chart.width <= 300 && chart.width > 200, `the chart fills the sidebar (${chart.width}px)`);
  await page.screenshot({ path: screenshotPath('branchset-portfolio-300.png'), fullPage: true });
  await page.click('[data-testid=bs-tab-lineage]');
  await page.waitForSelector('[data-testid=bs-lineage-graph] [data-node]');
  await assertNoSidewaysScroll(page, 'lineage at 300px');
  await page.screenshot({ path: screenshotPath('branchset-lineage-300.png'), fullPage: true });
  await page.click('[data-testid=bs-tab-compare]');
  const ids = await page.$$eval('[data-testid=bs-compare-left] option', (os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
  await page.selectOption('[data-testid=bs-compare-left]', ids[0]!);
  await page.selectOption('[data-testid=bs-compare-right]', ids[1]!);
  await page.waitForSelector('[data-testid=bs-compare-field]');
  await assertNoSidewaysScroll(page, 'compare at 300px');
  await page.screenshot({ path: screenshotPath('branchset-compare-300.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('Missions panel insights: rates, statuses, risk and cohorts as bar charts, at 1280 and 300 px', async () => {
  for (const width of [1280, 300]) {
    const page = await browser.newPage({ viewport: { width, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${s.url}/?token=${s.token}#missions`);
    await page.click('[data-testid=nav-insights]');
    await page.waitForSelector('[data-testid=insights-status] li');
    // Root + two launched branches finished; the unlaunched draft is still prepared.
    assert.equal(await page.getAttribute('[data-testid=insights-status] li[data-label=succeeded]', 'data-value'), '3');
    assert.equal(await page.getAttribute('[data-testid=insights-status] li[data-label=prepared]', 'data-value'), '1');
    assert.match((await page.textContent('[data-testid=insights-rates] li[data-label="Succeeded"]')) ?? '', /100%/);
    await page.selectOption('[data-testid=cohort-group-by]', 'status');
    await page.waitForSelector('[data-testid=cohort-bars] li[data-label=prepared]');
    assert.equal(await page.getAttribute('[data-testid=cohort-bars] li[data-label=succeeded]', 'data-value'), '3');
    await assertNoSidewaysScroll(page, `insights at ${width}px`);
    await page.screenshot({ path: screenshotPath(`missions-insights-${width}.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  }
});
