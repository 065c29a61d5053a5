// The Workers panel in the studio, driven like a person: create a worker token, start a real `agentora worker`
// with it, watch the worker turn live, its job appear with where it ran, the worker go stale then offline after a
// kill -9 (and its job run here), revoke the token (the worker then reads "revoked"), allow action tools for a
// token; screenshots at 300 and 1280 px with no sideways scrolling.
// A long lease (6 s) against a short heartbeat (0.3 s) gives the stale state a window of seconds (silent for
// more than two heartbeats, not yet past the lease), so the test sees the badge a user sees.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { screenshotPath } from '../helpers/codeServer';
import { startServer, type TestServer } from '../helpers/server';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';
import { FAST, startWorker, type WorkerProc } from '../server/workers-helpers';

let s: TestServer;
let browser: Browser;
let remote: FakeOllama;
let worker: WorkerProc | undefined;
before(async () => {
  remote = await startFakeOllama(undefined, { chat: (b) => `worker says ${b.messages.at(-1)!.content}` });
  s = await startServer({ ...FAST, AGENTORA_WORKER_LEASE_SECONDS: '6', AGENTORA_USE_MOCK_OLLAMA: 'true' });
  browser = await launchChromium();
});
after(async () => {
  await worker?.kill();
  await browser?.close();
  await s?.stop();
  await remote?.close();
});

const dispatch = async (content: string) =>
  (
    await s.fetch('/api/workers/dispatch', {
      method: 'POST',
      body: JSON.stringify({ job_type: 'model_chat', payload: { messages: [{ role: 'user', content }] } }),
    })
  ).json();

async function noSidewaysScroll(page: Page) {
  const { sw, cw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert.ok(sw <= cw + 1, `scrolls sideways: ${sw} > ${cw}`);
}

test('tokens, a live worker, its jobs, stale / offline after kill -9, revoke — at 300 and 1280 px', async () => {
  const page = await browser.newPage({ viewport: { width: 300, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.url}/?token=${s.token}#workers`);
  await page.waitForSelector('[data-testid=no-workers]');
  assert.match((await page.textContent('[data-testid=worker-summary]')) ?? '', /0 live · 0 stale · 0 offline — lease 6s, heartbeat 0.3s/);

  // Create a token as the operator would, and read it from the screen.
  await page.fill('[data-testid=worker-token-name]', 'desktop');
  await page.click('[data-testid=worker-token-create]');
  const token = ((await page.textContent('[data-testid=worker-token-value]')) ?? '').trim();
  assert.match(token, /^wkr_/);
  await page.click('[data-testid=worker-token-done]');
  await page.waitForSelector('[data-testid=worker-token-row] >> text=desktop');

  // A real worker with it: it shows up live, with its capabilities.
  worker = startWorker(s.url, token, remote.url, ['--capabilities', 'model_chat,model_embed', '--concurrency', '2'], 'desktop');
  await page.waitForSelector('[data-testid=worker-row][data-state=live]');
  const row = (await page.textContent('[data-testid=worker-row]')) ?? '';
  assert.match(row, /desktop/);
  assert.match(row, /model_chat, model_embed/);
  assert.match(row, /load 0\/2/);
  assert.equal(await page.textContent('[data-testid=worker-row] [data-testid=worker-state]'), 'live');

  // A job it runs appears with where it ran.
  const j = await dispatch('from the panel test');
  await page.waitForSelector(`[data-testid=job-row][data-id="${j.job.id}"][data-state=succeeded]`);
  assert.equal(await page.textContent(`[data-testid=job-row][data-id="${j.job.id}"] [data-testid=job-where]`), 'worker desktop');
  await noSidewaysScroll(page);
  await page.screenshot({ path: screenshotPath('panel-workers-live-300.png'), fullPage: true });

  // kill -9: live → stale → offline (hidden until asked for); a job dispatched now runs here, and says why.
  await worker.kill('SIGKILL');
  // live → stale: silent for more than two heartbeats; the badge says so, with how long it has been silent
  await page.waitForSelector('[data-testid=worker-row][data-state=stale]');
  assert.equal(await page.textContent('[data-testid=worker-row] [data-testid=worker-state]'), 'stale');
  assert.match((await page.textContent('[data-testid=worker-stale-why]')) ?? '', /no heartbeat for \d+\.\ds \(live within 0\.6s\)/);
  assert.match((await page.textContent('[data-testid=worker-summary]')) ?? '', /0 live · 1 stale · 0 offline/);
  await page.screenshot({ path: screenshotPath('panel-workers-stale-300.png'), fullPage: true });
  // …then offline once silent past the lease (hidden until asked for)
  await page.waitForSelector('[data-testid=show-offline]');
  assert.match((await page.textContent('[data-testid=worker-summary]')) ?? '', /0 live · 0 stale · 1 offline/);
  await page.check('[data-testid=show-offline]');
  await page.waitForSelector('[data-testid=worker-row][data-state=offline]');
  assert.equal(await page.textContent('[data-testid=worker-row] [data-testid=worker-state]'), 'offline');
  const k = await dispatch('after the kill');
  await page.waitForSelector(`[data-testid=job-row][data-id="${k.job.id}"][data-state=succeeded]`);
  assert.equal(await page.textContent(`[data-testid=job-row][data-id="${k.job.id}"] [data-testid=job-where]`), 'local');
  assert.match(
    (await page.textContent(`[data-testid=job-row][data-id="${k.job.id}"] [data-testid=job-fallback]`)) ?? '',
    /ran here: no live worker with the capability 'model_chat'/,
  );

  // The job filter: only what ran here… none failed.
  await page.selectOption('[data-testid=job-state-filter]', 'failed');
  await page.waitForSelector('[data-testid=no-jobs]');
  assert.equal(await page.textContent('[data-testid=no-jobs]'), 'No failed jobs.');
  await page.selectOption('[data-testid=job-state-filter]', 'succeeded');
  await page.waitForSelector(`[data-testid=job-row][data-id="${j.job.id}"]`);

  // Revoke: the token is marked, and it no longer opens any door.
  await page.click('[data-testid=worker-token-row] [data-testid=worker-token-revoke]');
  await page.waitForSelector('[data-testid=worker-token-row][data-revoked=true]');
  await page.waitForSelector('[data-testid=worker-row][data-badge=revoked]');
  assert.equal(await page.textContent('[data-testid=worker-row] [data-testid=worker-state]'), 'revoked');
  const refused = await fetch(`${s.url}/api/workers/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'again' }),
  });
  assert.equal(refused.status, 401);

  // Another token: allow it read and write actions (a fresh one allows none).
  await page.fill('[data-testid=worker-token-name]', 'laptop');
  await page.click('[data-testid=worker-token-create]');
  await page.click('[data-testid=worker-token-done]');
  const laptop = page.locator('[data-testid=worker-token-row][data-revoked=false]', { hasText: 'laptop' });
  assert.equal(await laptop.locator('[data-testid=worker-token-actions]').textContent(), 'actions: none');
  await laptop.locator('[data-testid=worker-token-actions-edit]').click();
  await laptop.locator('[data-testid=worker-token-actions-input]').fill('read, everything');
  await laptop.locator('[data-testid=worker-token-actions-save]').click();
  await page.waitForSelector('[role=alert] >> text=allowed_actions.1');
  await laptop.locator('[data-testid=worker-token-actions-input]').fill('read, desktop_write_text');
  await laptop.locator('[data-testid=worker-token-actions-save]').click();
  await page.waitForSelector('[data-testid=worker-token-actions] >> text=actions: read, desktop_write_text');

  await noSidewaysScroll(page);
  await page.screenshot({ path: screenshotPath('panel-workers-300.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: screenshotPath('panel-workers-1280.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
