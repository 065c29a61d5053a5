// The Memory panel in the standalone studio (/#memory), in a real browser: search with score breakdowns, a
// memory's lineage graph, the review queue (accept), maintenance with its report and undo, and a run's contexts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { screenshotPath } from '../helpers/codeServer';

let s: TestServer;
let browser: Browser;
let page: Page;
const errors: string[] = [];
const api = async (path: string, body?: unknown) => (await s.fetch(path, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })).json() as Promise<any>;

before(async () => {
  // Every memory is idle at once, so maintenance has something to decay (and to undo).
  s = await startServer({ AGENTORA_MEMORY_DECAY_AFTER_DAYS: '0', AGENTORA_MEMORY_EMBED_INTERVAL_MS: '20' });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('pageerror', (e) => errors.push(e.message));
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

test('search shows results with their score breakdown and admission reason', async () => {
  await api('/api/memory/capsules', { text: 'The payments service retries failed webhooks three times.' });
  await api('/api/memory/capsules', { text: 'The team orders pizza on Fridays.' });
  await page.goto(`${s.url}/?token=${s.token}#memory`);
  await page.fill('[data-testid=search-query] input', 'webhook retries');
  await page.click('[data-testid=search-button]');
  await page.waitForSelector('[data-testid=search-results] li[data-capsule]');
  const items = await page.$$eval('[data-testid=search-results] li[data-capsule]', (lis) => lis.map((l) => l.textContent ?? ''));
  assert.equal(items.length, 1);
  assert.match(items[0]!, /retries failed webhooks/);
  assert.match(items[0]!, /admitted #1: text match/);
  await page.click('[data-testid=search-results] li[data-capsule] >> text=why?');
  assert.match((await page.textContent('[data-testid=score-breakdown]')) ?? '', /RRF.*recency.*final/s);
});

test('a Markdown file uploaded from the panel becomes searchable chunk memories', async () => {
  await page.click('text=Add a memory');
  await page.setInputFiles('[data-testid=upload-file]', { name: 'runbook.md', mimeType: 'text/markdown', buffer: Buffer.from('# Runbook\n\nRestart the ingest workers with the rolling-restart script.\n\n## Escalation\n\nPage the storage on-call after two failed restarts.\n') });
  await page.waitForSelector('[data-testid=added]');
  assert.match((await page.textContent('[data-testid=added]')) ?? '', /Uploaded runbook\.md \(markdown\): 2 memory chunk/);
  await page.fill('[data-testid=search-query] input', 'rolling restart ingest');
  await page.click('[data-testid=search-button]');
  await page.waitForFunction(() => /rolling-restart script/.test(document.querySelector('[data-testid=search-results]')?.textContent ?? ''));
});

test("a memory's detail draws its lineage as a graph", async () => {
  const old = (await api('/api/memory/capsules', { text: 'Releases ship on Thursdays.' })).capsule;
  const neu = (await api(`/api/memory/capsules/${old.capsule_id}/refine`, { text: 'Releases ship on Wednesdays.' })).capsule;
  await page.fill('[data-testid=search-query] input', 'releases ship');
  await page.click('[data-testid=search-button]');
  await page.click(`[data-testid=search-results] li[data-capsule="${neu.capsule_id}"] button >> text=#${neu.capsule_id}`);
  await page.waitForSelector(`[data-testid=capsule-detail][data-capsule="${neu.capsule_id}"] [data-testid=lineage-graph]`);
  const nodes = await page.$$eval('[data-testid=lineage-graph] [data-node]', (ns) => ns.map((n) => n.getAttribute('data-node')));
  assert.deepEqual(nodes.sort(), [String(old.capsule_id), String(neu.capsule_id)].sort());
  const relations = await page.$$eval('[data-testid=lineage-graph] [data-relation]', (es) => es.map((e) => e.getAttribute('data-relation')).sort());
  assert.deepEqual(relations, ['derived_from', 'superseded_by']);
  // Clicking the older node opens it: it is superseded (no longer current).
  await page.click(`[data-testid=lineage-graph] [data-node="${old.capsule_id}"]`);
  await page.waitForSelector(`[data-testid=capsule-detail][data-capsule="${old.capsule_id}"]`);
  // The detail's frame appears before its body has loaded: wait for the text rather than read it at once.
  await page.waitForFunction(() => /not believed since/.test(document.querySelector('[data-testid=capsule-detail]')?.textContent ?? ''), null, { timeout: 10000 });
});

test('the review queue proposes a conflict; accepting it supersedes the other memory', async () => {
  const a = (await api('/api/memory/capsules', { text: 'The staging port is 8080.' })).capsule;
  const b = (await api('/api/memory/capsules', { text: 'The staging port is 9090.' })).capsule;
  await page.click('[data-testid=memory-tab-review]');
  await page.click('text=Scan conflicts');
  const proposal = await page.waitForSelector('[data-testid=proposal][data-kind=conflict]');
  assert.match((await proposal.textContent()) ?? '', /"staging port" has different values/);
  await proposal.$(`li:has-text("#${b.capsule_id}") >> text=Keep this (supersede others)`).then((el) => el!.click());
  await page.waitForSelector('[data-testid=proposal][data-kind=conflict]', { state: 'detached' });
  const loser = (await api(`/api/memory/capsules/${a.capsule_id}`)).capsule;
  assert.ok(loser.valid_to, 'the other memory is superseded');
  assert.equal(loser.status, 'active', 'but kept, reachable through lineage');
});

test('maintenance runs with progress, reports each change, and undo restores them', async () => {
  const current = (await api('/api/memory/layers')).layers.reduce((n: number, l: { count: number }) => n + l.count, 0);
  await page.click('[data-testid=memory-tab-maintenance]');
  await page.waitForSelector('[data-testid=memory-health]');
  await page.click('[data-testid=run-maintenance]');
  await page.waitForSelector('[data-testid=maintenance-progress][data-status=done]');
  await page.waitForFunction(() => /decayed: [1-9]/.test(document.querySelector('[data-testid=report-summary]')?.textContent ?? ''));
  const rows = await page.$$('[data-testid=maintenance-report] tr[data-change]');
  assert.equal(rows.length, current, 'one decay for each current memory');
  await page.click('[data-testid=undo-all]');
  await page.waitForSelector('[data-testid=undo-note]');
  assert.match((await page.textContent('[data-testid=undo-note]')) ?? '', /Undone \d+ change/);
  const mem = (await api('/api/memory/capsules?limit=1')).items[0];
  assert.equal(mem.salience, 1, 'salience is back');
});

test("a run's contexts show what was admitted and why", async () => {
  await api('/api/capsules/search', { query: 'webhooks', run_id: 'run-ui' });
  await page.click('[data-testid=memory-tab-contexts]');
  await page.fill('[data-testid=context-run] input', 'run-ui');
  await page.click('[data-testid=load-contexts]');
  const ctx = await page.waitForSelector('[data-testid=context]');
  assert.match((await ctx.textContent()) ?? '', /"webhooks".*run run-ui.*retries failed webhooks.*admitted #1/s);
  await page.screenshot({ path: screenshotPath('studio-memory.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
