// The Persona portfolio panel's heat-map drill-down survives refresh ticks (issue 16). The panel refreshes ~300 ms
// after any mission change or decision event; before session 9 every tick closed the open drill-down, so the runs
// the operator had just listed vanished under them. Here the studio (real Chromium) is driven like a person:
// click a cell, then another operator changes things over the real HTTP API (a decision, then a new persona
// branch), and the drill-down must stay open and list the cell's runs again; a new window still closes it.
// And an older answer that arrives after a newer one (a slow network, held back in the browser) must not replace
// it. A file of its own so the existing personas/audit file's counts stay as they are.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page, Response } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { screenshotPath, until } from '../helpers/codeServer';
import { launchRootMission } from '../helpers/missions';

const API = '/api/integrations';
let s: TestServer;
let browser: Browser;
let root: string;

const post = async (p: string, body: unknown) => {
  const res = await s.fetch(API + p, { method: 'POST', body: JSON.stringify(body) });
  assert.ok(res.ok, `POST ${p}: ${res.status} ${await res.clone().text()}`);
  return res.json() as Promise<any>;
};
const get = async (p: string) => (await s.fetch(API + p)).json() as Promise<any>;
const branch = async (persona: string) => {
  const set = await post(`/runs/${root}/persona-branch-set`, {
    auto_launch_selected: true,
    specs: [{ persona_id: persona, overlay: persona, launch: true }],
  });
  for (const l of set.launched_runs) await until('branch terminal', async () => (await get(`/runs/${l.id}`)).run.terminal, 20000);
  return set.launched_runs.map((l: { id: string }) => l.id) as string[];
};

/** The studio's answer to the heat map's own request (JSON-RPC over POST /rpc, so matched by method). */
const matrixAnswer = (r: Response) => r.url().endsWith('/rpc') && (r.request().postData() ?? '').includes('"agentora/missions/personaMatrix"');

before(async () => {
  s = await startServer({
    AGENTORA_MISSIONS_WATCHER_ENABLED: 'true',
    AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.1',
  });
  browser = await launchChromium();
  root = await launchRootMission(s, {
    repo: 'acme/heatmap-refresh',
    mission_title: 'Tidy the importer',
    objective: 'Make the importer easier to read',
  });
  await branch('conservative_stabilizer');
  await branch('rapid_builder');
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

test('heat map: an open drill-down stays open and is listed again when a decision or a mission change refreshes the panel; a new window closes it', async () => {
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.url}/?token=${s.token}#personas`);
  await page.waitForSelector('[data-testid=branch]');

  // Open the rapid_builder × constraint_relaxation cell with a click: it lists its one run.
  const cell = page.locator('[data-testid=heat-cell][data-persona=rapid_builder][data-strategy=constraint_relaxation]');
  await cell.waitFor();
  assert.equal(await cell.getAttribute('data-count'), '1');
  await cell.click();
  const drill = page.locator('[data-testid=drilldown]');
  await drill.waitFor();
  const rows = page.locator('[data-testid=drill-run]');
  assert.equal(await rows.count(), 1);
  const first = await rows.first().getAttribute('data-run');
  assert.ok(first);

  // 1. A decision lands over the HTTP API (another operator accepts the other branch's recommendation): the panel
  // asks for the matrix again; the drill-down is still open and still lists the cell's run.
  const other = await page.locator('[data-testid=branch][data-persona=conservative_stabilizer]').getAttribute('data-run');
  assert.ok(other);
  const refreshed = page.waitForResponse(matrixAnswer, { timeout: 20000 });
  await post(`/runs/${other}/override`, { decision: 'accept_recommendation', note: 'looks safe' });
  await refreshed;
  // The decision is visible in the panel too (the portfolio card refreshed on the same tick).
  await page.waitForSelector(`[data-testid=branch][data-run="${other}"] [data-testid=rec-state]:has-text("accepted")`);
  assert.equal(await drill.count(), 1, 'the drill-down must stay open after a decision refreshes the panel');
  assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-run'))), [first]);

  // 2. A mission change: another rapid_builder branch runs, the cell's number visibly goes from 1 to 2, and the
  // open drill-down is listed again with both runs, without the operator clicking anything.
  const [second] = await branch('rapid_builder');
  await until('the cell to count 2', async () => (await cell.getAttribute('data-count')) === '2', 20000);
  assert.equal(await drill.count(), 1, 'the drill-down must stay open after a mission change refreshes the panel');
  await until('the drill-down to list both runs', async () => (await rows.count()) === 2, 20000);
  assert.deepEqual((await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-run')))).sort(), [first, second].sort());
  assert.match((await drill.locator('h4').textContent()) ?? '', /rapid_builder × constraint_relaxation: 2 run/);
  // The portfolio card of the new branch catches up on its own tick (it may lag the heat map by one): wait for it
  // so the screenshot shows one consistent state.
  await page.waitForSelector(`[data-testid=branch][data-run="${second}"]:has-text("succeeded")`);
  await page.screenshot({ path: screenshotPath('studio-personas-drill-refresh-1280.png'), fullPage: true });

  // 3. A new window is a different question: choosing it closes the drill-down.
  await page.selectOption('[data-testid=window]', 'all');
  await drill.waitFor({ state: 'detached' });
  await cell.waitFor();
  assert.equal(await cell.getAttribute('data-count'), '2');
  assert.deepEqual(errors, []);
  await page.close();
});

test('heat map: an older answer that arrives last does not replace the newer one', async () => {
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // A slow network for one question only: the browser holds back the answer to the matrix filtered to a repo with
  // no missions (the server answers at once) until the newer answer — the operator cleared the filter meanwhile —
  // has been shown. Ordered by signals, not by a timer.
  let letOldGo!: () => void;
  const oldMayGo = new Promise<void>((r) => (letOldGo = r));
  let oldHandedOver!: () => void;
  const oldDelivered = new Promise<void>((r) => (oldHandedOver = r));
  await page.route('**/rpc', async (route) => {
    const body = route.request().postData() ?? '';
    if (body.includes('"agentora/missions/personaMatrix"') && body.includes('nobody/none')) {
      const response = await route.fetch();
      await oldMayGo;
      await route.fulfill({ response });
      oldHandedOver();
      return;
    }
    await route.continue();
  });
  const frames = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.goto(`${s.url}/?token=${s.token}#personas`);
  await page.waitForSelector('[data-testid=heat-cell]');
  const before = await page.locator('[data-testid=heat-cell]').count();
  assert.ok(before >= 2);
  await page.fill('[data-testid=repo-filter]', 'nobody/none');
  const newer = page.waitForResponse((r) => matrixAnswer(r) && !(r.request().postData() ?? '').includes('nobody/none'));
  await page.fill('[data-testid=repo-filter]', '');
  await (await newer).finished();
  await frames(); // the newer answer is on screen
  letOldGo();
  await oldDelivered; // the stale "no missions" answer has now been handed to the page
  await frames(); // and the page has acted on it: the map must still show every cell
  assert.equal(await page.locator('[data-testid=matrix-empty]').count(), 0, 'the stale empty answer replaced the map');
  assert.equal(await page.locator('[data-testid=heat-cell]').count(), before);
  assert.deepEqual(errors, []);
  await page.close();
});
