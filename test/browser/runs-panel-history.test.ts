// The Runs panel's history and a run's files in the studio (real Chromium, the same bundle VS Code loads), driven
// like a user: filter the run list by team (selectOption) and see only that team's rows; attach a real file to a
// run through its file input and see it listed with its memory chunks; open the report inside the panel (a
// download does nothing in a VS Code webview, so the report shows in place; the studio can also save it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { screenshotPath } from '../helpers/codeServer';

let s: TestServer;
let browser: Browser;
const ws = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-runs-history-')));
before(async () => {
  s = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'true', AGENTORA_ALLOWED_PATH_ROOTS: ws, AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false' });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await s?.stop();
  rmSync(ws, { recursive: true, force: true });
});

const post = async (p: string, body: unknown = {}) => {
  const r = await s.fetch(p, { method: 'POST', body: JSON.stringify(body) });
  assert.ok(r.ok, `${p}: ${r.status} ${await r.clone().text()}`);
  return (await r.json()) as any;
};

test('Runs panel: the team filter leaves that team’s runs; a file attached through the input is listed; the report shows in the panel', async () => {
  // Two teams with runs (set up over HTTP; everything after is the UI).
  const review = await post('/api/teams/templates/code_review');
  const research = await post('/api/teams/templates/research_summary');
  const goals = { [review.id]: ['review the parser change', 'review the cache patch'], [research.id]: ['summarise the release notes'] };
  for (const [team, list] of Object.entries(goals))
    for (const prompt of list) await post('/api/runs', { team_id: Number(team), prompt, max_turns: 6, token_budget: 1e6 });

  const page = await browser.newPage({ viewport: { width: 1000, height: 1200 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.url}/?token=${s.token}#runs`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 3);
  const prompts = () => page.$$eval('[data-testid=run-row] .prompt', (els) => els.map((e) => e.textContent?.trim()).sort());

  // The team filter names the teams; choosing one leaves its runs only, and says how many.
  await page.waitForSelector(`[data-testid=filter-run-team] option[value="${research.id}"]`, { state: 'attached' });
  assert.equal((await page.textContent(`[data-testid=filter-run-team] option[value="${research.id}"]`))?.trim(), research.name);
  await page.selectOption('[data-testid=filter-run-team]', String(research.id));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 1);
  assert.deepEqual(await prompts(), ['summarise the release notes']);
  assert.match((await page.textContent('[data-testid=runs-total]')) ?? '', /^1 run$/);
  await page.selectOption('[data-testid=filter-run-team]', String(review.id));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 2);
  assert.deepEqual(await prompts(), ['review the cache patch', 'review the parser change']);
  // Combined with a state no run of that team is in: the empty message names both.
  await page.selectOption('[data-testid=filter-run-status]', 'paused');
  await page.waitForSelector('[data-testid=runs-empty]');
  const empty = (await page.textContent('[data-testid=runs-empty]')) ?? '';
  assert.ok(empty.includes(`in state paused of ${review.name}`), empty);
  await page.selectOption('[data-testid=filter-run-status]', '');
  await page.selectOption('[data-testid=filter-run-team]', '');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 3);

  // Open the research run and attach a real Markdown file through the file input.
  await page.locator('[data-testid=run-row]', { hasText: 'summarise the release notes' }).click();
  await page.waitForSelector('[data-testid=run-detail]');
  await page.waitForSelector('[data-testid=run-attachments]');
  const file = path.join(ws, 'release notes.md');
  writeFileSync(file, '# Release notes\n\nThe importer now streams large files.\n\nThe cache keeps 512 entries.\n');
  await page.setInputFiles('[data-testid=run-attach-input]', file);
  await page.waitForSelector('[data-testid=run-attachment]');
  const listed = (await page.textContent('[data-testid=run-attachment]')) ?? '';
  assert.match(listed, /release_notes\.md|release notes\.md/);
  assert.match(listed, /markdown · \d+ bytes · [1-9]\d* chunks? in memory/);
  assert.match((await page.textContent('[data-testid=run-attachments] h4')) ?? '', /Attachments \(1\)/);
  // What the panel shows is what the server keeps.
  const stored = (await (await s.fetch(`/api/runs/${await runIdOf(page)}/attachments`)).json()) as { items: { filename: string }[] };
  assert.equal(stored.items.length, 1);
  assert.ok(listed.includes(stored.items[0]!.filename), `${listed} names ${stored.items[0]!.filename}`);

  // The report shows inside the panel; Save (studio only) downloads the same Markdown.
  await page.click('[data-testid=run-report]');
  await page.waitForSelector('[data-testid=run-report-text]');
  const shown = (await page.textContent('[data-testid=run-report-text]')) ?? '';
  assert.match(shown, /^# Run report: summarise the release notes/);
  await page.screenshot({ path: screenshotPath('studio-runs-report-attachment-1000.png'), fullPage: true });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=run-report-save]')]);
  assert.match(download.suggestedFilename(), /^run_.*\.md$/);
  assert.equal(readFileSync((await download.path())!, 'utf8'), shown);
  await page.click('[data-testid=run-report-close]');
  await page.waitForSelector('[data-testid=run-report-view]', { state: 'detached' });
  assert.deepEqual(errors, []);
  await page.close();
});

/** The open run's id (found by its goal in the run list). */
async function runIdOf(page: import('playwright-core').Page): Promise<string> {
  const prompt = ((await page.textContent('[data-testid=run-prompt]')) ?? '').trim();
  const runs = (await (await s.fetch('/api/runs?limit=50')).json()) as { id: string; prompt: string }[];
  return runs.find((r) => r.prompt === prompt)!.id;
}
