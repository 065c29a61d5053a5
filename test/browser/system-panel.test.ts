// The standalone studio's System panel in a real browser: the same bundle the VS Code webview loads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { ROOT, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
let browser: Browser;
before(async () => {
  s = await startServer();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await s?.stop();
});

test('System panel shows version and doctor items with fix hints, and Bootstrap reports its steps', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.url}/?token=${s.token}`);
  await page.waitForSelector('[data-testid=doctor-items] li[data-key=port]');
  assert.match(await page.textContent('[data-testid=version]') ?? '', /Agentora 0\.1\.0 · Node v20/);
  const keys = await page.$$eval('[data-testid=doctor-items] li', (lis) => lis.map((l) => l.getAttribute('data-key')));
  assert.deepEqual(keys, ['node_runtime', 'sqlite_native', 'data_dir', 'database', 'ollama', 'integrations', 'workers', 'port']);
  assert.match(await page.textContent('li[data-key=ollama]') ?? '', /Fix: To use real models/);
  assert.equal(new URL(page.url()).search, '', 'the token is removed from the address bar');
  await page.click('text=Bootstrap (auto-fix)');
  await page.waitForSelector('[data-testid=bootstrap-steps]');
  assert.match(await page.textContent('[data-testid=bootstrap-steps]') ?? '', /write_default_config: done/);
  mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: path.join(ROOT, 'test-results/studio-system.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('without a token the studio shows the error instead of data', async () => {
  const page = await browser.newPage();
  await page.goto(`${s.url}/`);
  await page.waitForSelector('[role=alert]');
  assert.match(await page.textContent('[role=alert]') ?? '', /bearer token/i);
});
