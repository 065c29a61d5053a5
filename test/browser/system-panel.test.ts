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
  assert.match((await page.textContent('[data-testid=version]')) ?? '', /Agentora 0\.1\.0 · Node v20/);
  const keys = await page.$$eval('[data-testid=doctor-items] li', (lis) => lis.map((l) => l.getAttribute('data-key')));
  assert.deepEqual(keys, ['node_runtime', 'sqlite_native', 'data_dir', 'database', 'ollama', 'integrations', 'workers', 'port']);
  assert.match((await page.textContent('li[data-key=ollama]')) ?? '', /Fix: To use real models/);
  assert.equal(new URL(page.url()).search, '', 'the token is removed from the address bar');
  await page.click('text=Bootstrap (auto-fix)');
  await page.waitForSelector('[data-testid=bootstrap-steps]');
  assert.match((await page.textContent('[data-testid=bootstrap-steps]')) ?? '', /write_default_config: done/);
  mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: path.join(ROOT, 'test-results/studio-system.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('a studio URL without the token explains how to open the studio', async () => {
  const page = await browser.newPage();
  await page.goto(`${s.url}/#missions`);
  await page.waitForSelector('[data-testid=no-token]');
  const text = (await page.textContent('[data-testid=no-token]')) ?? '';
  assert.match(text, /Open the studio with its link/);
  assert.match(text, /Open Studio in Browser/);
  assert.match(text, new RegExp(`studio : ${s.url.replace(/[.]/g, '\\.')}/\\?token=`));
  assert.doesNotMatch(text, /Bearer/i);
  assert.doesNotMatch((await page.textContent('body')) ?? '', /0 missions|Failed to fetch/);
});

test('a stopped server shows "not reachable" and how to start it, not "Failed to fetch · 0 missions"', async () => {
  const other = await startServer();
  try {
    const page = await browser.newPage();
    await page.goto(`${other.url}/?token=${other.token}#system`);
    await page.waitForSelector('[data-testid=doctor-items] li');
    await other.stop();
    await page.click('[data-panel-tab=missions]');
    await page.waitForSelector('[data-testid=server-unreachable]');
    const banner = (await page.textContent('[data-testid=server-unreachable]')) ?? '';
    assert.match(banner, /Server not reachable/);
    assert.match(banner, /npm run studio/);
    assert.match(banner, /Restart Server/);
    const body = (await page.textContent('body')) ?? '';
    assert.doesNotMatch(body, /Failed to fetch/);
    assert.doesNotMatch(body, /\b0 missions\b/);
    assert.equal(await page.locator('[data-testid=missions-empty]').count(), 0, 'not "No missions yet"');
  } finally {
    await other.stop();
  }
});

test('the studio uses the VS Code font stack, serves /favicon.ico, and no tooltip reads "undefined"', async () => {
  const page = await browser.newPage();
  const failed: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(`${s.url}/?token=${s.token}#memory`);
  await page.waitForSelector('[data-testid=memory-tab-search]');
  const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
  assert.match(font, /Segoe WPC/);
  assert.doesNotMatch(font, /Times/);
  const fav = await s.fetch('/favicon.ico', { auth: false });
  assert.equal(fav.status, 200);
  assert.match(fav.headers.get('content-type') ?? '', /image\/svg\+xml/);
  for (const tab of ['review', 'maintenance', 'contexts', 'browse']) {
    await page.click(`[data-testid=memory-tab-${tab}]`);
    assert.equal(await page.locator('[title=undefined]').count(), 0, `no title="undefined" on the ${tab} tab`);
  }
  assert.deepEqual(
    failed.filter((f) => /favicon/.test(f)),
    [],
  );
});
