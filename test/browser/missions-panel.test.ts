// The Missions panel in the standalone studio (real Chromium, the same bundle VS Code loads): prepare and launch
// from the form, watch it finish (mock integrations, fast watcher), read the detail (links, packet, timeline),
// filter the list, and see a bad field named.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { screenshotPath } from '../helpers/codeServer';

let s: TestServer;
let browser: Browser;
before(async () => {
  s = await startServer({ AGENTORA_MISSIONS_WATCHER_ENABLED: 'true', AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.2' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

const fill = async (page: Page, testid: string, value: string) => {
  const inner = page.locator(`[data-testid=${testid}] input, [data-testid=${testid}] textarea`).first();
  await inner.fill(value);
};

test('Missions panel: prepare & launch from the form, watch it finish, detail with links, packet and timeline; filters', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.url}/?token=${s.token}#missions`);
  await page.waitForSelector('[data-testid=missions-empty]');
  await page.click('[data-testid=nav-prepare]');
  await page.waitForSelector('[data-testid=prepare-form]');
  // A bad repository is named next to its field, and nothing is created.
  await fill(page, 'prep-repo', 'not-a-repo');
  await fill(page, 'prep-title', 'Fix the login redirect');
  await fill(page, 'prep-objective', 'Users land on a blank page after login; send them to the dashboard.');
  await page.click('[data-testid=prep-only]');
  await page.waitForSelector('text=expected "owner/repo"');
  await fill(page, 'prep-repo', 'acme/widgets');
  await fill(page, 'prep-acceptance', 'login lands on the dashboard\na regression test exists');
  await page.click('[data-testid=prep-launch]');
  await page.waitForSelector('[data-testid=mission-detail]');
  await page.waitForSelector('[data-testid=detail-status][data-status=succeeded]', { timeout: 15000 });
  assert.equal(await page.textContent('[data-testid=detail-title]'), 'Fix the login redirect');
  const pr = await page.getAttribute('[data-testid=pr-link]', 'href');
  assert.match(pr ?? '', /^https:\/\/github\.com\/acme\/widgets\/pull\/\d+$/);
  assert.match((await page.getAttribute('[data-testid=branch-link]', 'href')) ?? '', /\/tree\/agent\/issue-\d+$/);
  assert.match((await page.textContent('[data-testid=detail-summary]')) ?? '', /all tests pass/);
  assert.equal(await page.locator('[data-testid=detail-artifacts] li').count(), 2);
  const types = await page.$$eval('[data-testid=timeline] li', (lis) => lis.map((l) => l.getAttribute('data-type')));
  for (const t of ['prepared', 'launched', 'state_changed', 'job_event', 'watch_stopped']) assert.ok(types.includes(t), `timeline shows ${t}`);
  await page.click('summary:has-text("Context packet")');
  assert.match((await page.textContent('[data-testid=context-packet]')) ?? '', /Default Engineer/);
  await page.click('summary:has-text("Brief sent to AgentCeption")');
  assert.match((await page.textContent('[data-testid=brief]')) ?? '', /- \[ \] a regression test exists/);
  await fill(page, 'wb-notes', 'looks right');
  await page.click('[data-testid=writeback]');
  await page.waitForSelector('[data-testid=detail-writeback]:has-text("succeeded")');
  await page.screenshot({ path: screenshotPath('studio-missions-detail.png'), fullPage: true });

  // A second mission as a dry run, then the list with filters.
  await page.click('[data-testid=nav-prepare]');
  await fill(page, 'prep-repo', 'acme/gadgets');
  await fill(page, 'prep-title', 'Try a dry run');
  await fill(page, 'prep-objective', 'Only record what would be sent.');
  await page.click('[data-testid=prep-dry]');
  await page.waitForSelector('[data-testid=detail-status][data-status=dry_run]');
  await page.click('[data-testid=back]');
  await page.waitForSelector('[data-testid=mission-row][data-status=dry_run]');
  assert.equal(await page.locator('[data-testid=mission-row]').count(), 2);
  await page.$eval('[data-testid=filter-status]', (el) => {
    (el as HTMLInputElement).value = 'succeeded';
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=mission-row]').length === 1);
  assert.equal(await page.getAttribute('[data-testid=mission-row]', 'data-status'), 'succeeded');
  await page.$eval('[data-testid=filter-status]', (el) => {
    (el as HTMLInputElement).value = '';
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await fill(page, 'filter-search', 'gadgets');
  await page.waitForFunction(() => {
    const rows = document.querySelectorAll('[data-testid=mission-row]');
    return rows.length === 1 && rows[0]!.getAttribute('data-status') === 'dry_run';
  });
  await page.screenshot({ path: screenshotPath('studio-missions-list.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
