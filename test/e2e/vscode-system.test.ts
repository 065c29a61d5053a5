// In a real VS Code (code-server 4.100.3 = VS Code 1.100.3): install the packaged .vsix, run
// "Agentora: Show System Doctor" from the command palette, and read the doctor items inside the webview.
// Needs `npm run package` and scripts/setup-code-server.sh first (.ci/run does both).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
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
  assert.ok(existsSync(CODE_SERVER), 'code-server missing: run scripts/setup-code-server.sh');
  assert.ok(existsSync(VSIX), 'dist/agentora.vsix missing: run npm run package');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'agentora-e2e-'));
  const ext = path.join(tmp, 'ext');
  const user = path.join(tmp, 'user');
  const ws = path.join(tmp, 'ws');
  mkdirSync(path.join(user, 'User'), { recursive: true });
  mkdirSync(ws);
  writeFileSync(path.join(ws, 'README.md'), '# e2e workspace\n');
  writeFileSync(path.join(user, 'User/settings.json'), JSON.stringify({ 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'agentora.server.port': 0, 'telemetry.telemetryLevel': 'off' }));
  const install = spawnSync(CODE_SERVER, ['--install-extension', VSIX, '--extensions-dir', ext, '--user-data-dir', user], { encoding: 'utf8', timeout: 120000 });
  assert.equal(install.status, 0, install.stdout + install.stderr);
  const port = await freePort();
  cs = spawn(CODE_SERVER, ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--extensions-dir', ext, '--user-data-dir', user, ws], {
    env: { ...process.env, HOME: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

test('Agentora: Show System Doctor opens the System panel with real doctor items', async () => {
  const started = Date.now();
  // The status-bar item says when the server is ready.
  await until('Agentora server ready in the status bar', async () => page.$('.statusbar-item[id="agentora.agentora.status"] .codicon-pulse, [aria-label*="Agentora server is ready"]'), 60000);
  const readyMs = Date.now() - started;
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input');
  await page.keyboard.type('Agentora: Show System Doctor');
  await until('the command in the palette', async () => page.$('.quick-input-list .monaco-list-row[aria-label*="Show System Doctor"]'), 20000);
  await page.keyboard.press('Enter');
  const frame = await until<Frame>('doctor items in the webview', async () => {
    for (const f of page.frames()) if (await f.$('[data-testid=doctor-items] li[data-key=port]')) return f;
    return undefined;
  }, 60000);
  const keys = await frame.$$eval('[data-testid=doctor-items] li', (lis) => lis.map((l) => l.getAttribute('data-key')));
  assert.deepEqual(keys, ['node_runtime', 'sqlite_native', 'data_dir', 'database', 'ollama', 'integrations', 'workers', 'port']);
  assert.match((await frame.textContent('li[data-key=sqlite_native]')) ?? '', /better-sqlite3 loaded/);
  assert.match((await frame.textContent('li[data-key=data_dir]')) ?? '', /globalStorage|agentora/);
  mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: path.join(ROOT, 'test-results/e2e-vscode-system.png') });
  console.log(`# status bar ready ${readyMs} ms after the workbench loaded`);
});

async function runCommand(title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input');
  await page.keyboard.type(`Agentora: ${title}`);
  await until(`"${title}" in the palette`, async () => page.$(`.quick-input-list .monaco-list-row[aria-label*="${title}"]`), 20000);
  await page.keyboard.press('Enter');
}

const statusReady = () => page.$('[aria-label*="Agentora server is ready"], .statusbar-item[id="agentora.agentora.status"] .codicon-pulse');

test('Restart Server brings the server back to ready', async () => {
  await runCommand('Restart Server');
  await until('status bar to leave ready', async () => !(await statusReady()), 20000).catch(() => true); // restart may be too quick to observe
  await until('status bar ready again', statusReady, 60000);
});
