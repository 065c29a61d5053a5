// A server that cannot start must become a notification with "Show Logs" and "Retry" and an error status bar —
// never a silently dead extension. Here the configured Node runtime does not exist.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { ROOT } from '../helpers/server';

const CODE_SERVER = path.join(ROOT, '.cache/code-server/node_modules/.bin/code-server');
const VSIX = path.join(ROOT, 'dist/agentora.vsix');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let tmp: string;
let cs: ChildProcess;
let browser: Browser;
let page: Page;
let log = '';

before(async () => {
  assert.ok(existsSync(CODE_SERVER) && existsSync(VSIX), 'run npm run package and scripts/setup-code-server.sh first');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'agentora-e2e-fail-'));
  const ext = path.join(tmp, 'ext');
  const user = path.join(tmp, 'user');
  const ws = path.join(tmp, 'ws');
  mkdirSync(path.join(user, 'User'), { recursive: true });
  mkdirSync(ws);
  writeFileSync(path.join(user, 'User/settings.json'), JSON.stringify({ 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'agentora.server.runtime': '/nonexistent/node' }));
  const install = spawnSync(CODE_SERVER, ['--install-extension', VSIX, '--extensions-dir', ext, '--user-data-dir', user], { encoding: 'utf8', timeout: 120000 });
  assert.equal(install.status, 0, install.stdout + install.stderr);
  const port = await freePort();
  cs = spawn(CODE_SERVER, ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--extensions-dir', ext, '--user-data-dir', user, ws], { env: { ...process.env, HOME: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
  cs.stdout!.on('data', (d) => (log += d));
  cs.stderr!.on('data', (d) => (log += d));
  await until('code-server to listen', async () => /HTTP server listening/.test(log), 60000);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
});

after(async () => {
  await browser?.close();
  cs?.kill();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('a missing Node runtime shows "failed to start" with Show Logs and Retry, and an error status bar', async () => {
  const toast = await until('the failure notification', async () => page.$('.notification-toast:has-text("Agentora server failed to start")'), 60000);
  assert.match((await toast.textContent()) ?? '', /runtime: '\/nonexistent\/node'/);
  assert.ok(await toast.$('text=Show Logs'));
  assert.ok(await toast.$('text=Retry'));
  await page.screenshot({ path: path.join(ROOT, 'test-results/e2e-vscode-start-failure.png') });
  await until('the error status bar item', async () => page.$('.statusbar-item:has-text("Agentora") .codicon-error'), 20000);
  mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: path.join(ROOT, 'test-results/e2e-vscode-start-failure.png') });
});
