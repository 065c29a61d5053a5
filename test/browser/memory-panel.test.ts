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
const api = async (path: string, body?: unknown) =>
  (await s.fetch(path, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })).json() as Promise<any>;

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
  await page.setInputFiles('[data-testid=upload-file]', {
    name: 'runbook.md',
    mimeType: 'text/markdown',
    buffer: Buffer.from(
      '# Runbook\n\nRestart the ingest workers with the rolling-restart script.\n\n## Escalation\n\nPage the storage on-call after two failed restarts.\n',
    ),
  });
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
  await page.waitForFunction(() => /not believed since/.test(document.querySelector('[data-testid=capsule-detail]')?.textContent ?? ''), null, {
    timeout: 10000,
  });
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

test('Browse lists memories; each filter (kind, layer, source, tag, archived) leaves its rows; a memory is edited in the panel', async () => {
  await api('/api/memory/capsules', { text: 'Browse seed: deploys need two approvals.', kind: 'decision', layer: 'semantic', repo: 'acme/deploy' });
  await api('/api/memory/capsules', { text: 'Browse seed: the operator prefers tabs.', kind: 'preference', layer: 'core', persona: 'tabs_fan' });
  const gone = (await api('/api/memory/capsules', { text: 'Browse seed: an archived note.', kind: 'note' })).capsule;
  await api(`/api/memory/capsules/${gone.capsule_id}/archive`, {});
  const list = async (q: string) => (await api(`/api/memory/capsules?limit=500&${q}`)).items.map((c: any) => String(c.capsule_id)).sort();

  await page.goto(`${s.url}/?token=${s.token}#memory`);
  await page.click('[data-testid=memory-tab-browse]');
  await page.waitForSelector('[data-testid=memory-row]');
  const shown = async () => (await page.$$eval('[data-testid=memory-row]', (rs) => rs.map((r) => r.getAttribute('data-capsule')))).sort();
  const expectRows = async (what: string, want: string[]) => {
    await page
      .waitForFunction(
        (w) => JSON.stringify([...document.querySelectorAll('[data-testid=memory-row]')].map((r) => r.getAttribute('data-capsule')).sort()) === w,
        JSON.stringify(want),
        { timeout: 10000 },
      )
      .catch(async () => assert.deepEqual(await shown(), want, what));
  };
  const all = await list('status=active');
  await expectRows('all active', all);
  await page.selectOption('[data-testid=mem-filter-kind]', 'decision');
  await expectRows('kind', await list('kind=decision'));
  await page.selectOption('[data-testid=mem-filter-kind]', '');
  await page.selectOption('[data-testid=mem-filter-layer]', 'core');
  await expectRows('layer', await list('layer=core'));
  await page.selectOption('[data-testid=mem-filter-layer]', '');
  await page.selectOption('[data-testid=mem-filter-source]', 'upload');
  await expectRows('source', await list('source=upload'));
  await page.selectOption('[data-testid=mem-filter-source]', '');
  await page.fill('[data-testid=mem-filter-tag]', 'tabs_fan');
  await expectRows('tag (persona)', await list('tag=tabs_fan'));
  await page.fill('[data-testid=mem-filter-tag]', 'acme/deploy');
  await expectRows('tag (repo)', await list('tag=acme/deploy'));
  await page.fill('[data-testid=mem-filter-tag]', 'no-such-tag');
  await page.waitForSelector('[data-testid=memory-no-match]');
  await page.fill('[data-testid=mem-filter-tag]', '');
  await page.selectOption('[data-testid=mem-filter-status]', 'archived');
  await expectRows('archived', [String(gone.capsule_id)]);
  await page.selectOption('[data-testid=mem-filter-status]', 'active');
  await expectRows('back to all', all);

  // Edit: open a row, change its text, kind and layer, save; the old text is in its history.
  const target = (await api('/api/memory/capsules?kind=decision')).items[0];
  await page.click(`[data-testid=memory-row][data-capsule="${target.capsule_id}"] button`);
  await page.waitForSelector(`[data-testid=capsule-detail][data-capsule="${target.capsule_id}"] [data-testid=edit]`);
  await page.click('[data-testid=capsule-detail] [data-testid=edit]');
  await page.fill('[data-testid=edit-text]', 'Browse seed: deploys need three approvals.');
  await page.selectOption('[data-testid=edit-kind]', 'fact');
  await page.selectOption('[data-testid=edit-layer]', 'core');
  await page.click('[data-testid=edit-save]');
  await page
    .waitForFunction(() => /three approvals/.test(document.querySelector('[data-testid=capsule-text]')?.textContent ?? ''), null, { timeout: 5000 })
    .catch(async (e) => {
      assert.fail(`${e}: ${await page.textContent('[data-testid=capsule-detail]')}`);
    });
  const after = (await api(`/api/memory/capsules/${target.capsule_id}`)).capsule;
  assert.equal(after.text, 'Browse seed: deploys need three approvals.');
  assert.equal(after.kind, 'fact');
  assert.equal(after.layer, 'core');
  assert.match(
    (await page.textContent('[data-testid=capsule-detail]')) ?? '',
    /edited in the Memory panel\):\s*Browse seed: deploys need two approvals\./,
  );
  // No button carries the text "undefined" as its tooltip.
  assert.equal(await page.locator('[title=undefined]').count(), 0);
  await page.click('[data-testid=capsule-detail] [aria-label=Close]');
});

test('an upload is one batch: reviewed as a whole and undone as a whole', async () => {
  const md = Array.from({ length: 12 }, (_, i) => `## Section ${i + 1}\n\nBatch seed paragraph ${i + 1}: ${'words '.repeat(40)}\n`).join('\n');
  await page.click('[data-testid=memory-tab-search]');
  if (!(await page.isVisible('[data-testid=upload-file]'))) await page.click('text=Add a memory');
  await page.setInputFiles('[data-testid=upload-file]', { name: 'handbook.md', mimeType: 'text/markdown', buffer: Buffer.from(md) });
  await page.waitForSelector('[data-testid=review-upload]');
  const chunks = Number(/(\d+) memory chunk/.exec((await page.textContent('[data-testid=added]')) ?? '')?.[1]);
  assert.ok(chunks > 1);
  await page.click('[data-testid=review-upload]');
  await page.waitForSelector('[data-testid=batch-filter]');
  assert.match((await page.textContent('[data-testid=batch-filter]')) ?? '', /handbook\.md/);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=memory-row]').length === n, chunks);
  const sources = await page.$$eval('[data-testid=memory-row]', (rs) => [...new Set(rs.map((r) => r.getAttribute('data-source')))]);
  assert.deepEqual(sources, ['upload']);
  const batchRow = page.locator('[data-testid=batch-row]', { hasText: 'handbook.md' });
  assert.match((await batchRow.textContent()) ?? '', new RegExp(`${chunks} memories`));
  await batchRow.locator('[data-testid=batch-undo]').click();
  assert.match((await batchRow.locator('[data-testid=batch-undo]').textContent()) ?? '', new RegExp(`Really archive all ${chunks}\\?`));
  await batchRow.locator('[data-testid=batch-undo]').click();
  await page.waitForSelector('[data-testid=batch-note]');
  assert.match(
    (await page.textContent('[data-testid=batch-note]')) ?? '',
    new RegExp(`Undid the upload of handbook\\.md: ${chunks} memories archived`),
  );
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid=memory-row]')].every((r) => r.getAttribute('data-status') === 'archived'),
  );
  const batchId = await batchRow.getAttribute('data-batch');
  const left = (await api(`/api/memory/capsules?status=active&batch_id=${batchId}`)).total;
  assert.equal(left, 0, 'nothing of the batch is active');
  const found = await api('/api/memory/search', { query: 'Batch seed paragraph' });
  assert.deepEqual(
    found.items.filter((i: any) => /Batch seed paragraph/.test(i.text)),
    [],
    'an undone upload is not retrieved',
  );
  assert.deepEqual(errors, []);
});
