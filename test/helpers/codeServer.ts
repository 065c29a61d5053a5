// A real VS Code for the e2e tests: code-server (installed by scripts/setup-code-server.sh) with the packaged
// .vsix installed into throwaway extension and user-data dirs, opened in Debian chromium.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { ROOT } from './server';

const CODE_SERVER = path.join(ROOT, '.cache/code-server/node_modules/.bin/code-server');
const VSIX = path.join(ROOT, 'dist/agentora.vsix');
const POLL_MS = 250;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Poll a condition until it holds or the deadline passes (never a fixed sleep as synchronisation). */
export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export interface Editor {
  page: Page;
  /** The opened workspace folder (a temp dir with a README.md). */
  workspace: string;
  /** code-server's --user-data-dir; the extension's data dir is under User/globalStorage/agentora.agentora. */
  userDataDir: string;
  /** The Agentora HTTP API inside this editor (a free port chosen here unless the settings name one). */
  agentoraUrl: string;
  /** The extension server's bearer token (read from its data dir once the server has started). */
  agentoraToken(): Promise<string>;
  /** fetch against the Agentora HTTP API with the bearer token. */
  agentoraFetch(p: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** Install the .vsix, start code-server with these user settings, and open a workspace in the browser. */
export async function openEditor(settings: Record<string, unknown>): Promise<Editor> {
  if (!existsSync(CODE_SERVER)) throw new Error('code-server missing: run scripts/setup-code-server.sh');
  if (!existsSync(VSIX)) throw new Error('dist/agentora.vsix missing: run npm run package');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'agentora-e2e-'));
  const ext = path.join(tmp, 'ext');
  const user = path.join(tmp, 'user');
  const ws = path.join(tmp, 'ws');
  mkdirSync(path.join(user, 'User'), { recursive: true });
  mkdirSync(ws);
  writeFileSync(path.join(ws, 'README.md'), '# e2e workspace\n');
  const agentoraPort =
    typeof settings['agentora.server.port'] === 'number' && settings['agentora.server.port'] !== 0
      ? (settings['agentora.server.port'] as number)
      : await freePort();
  writeFileSync(
    path.join(user, 'User/settings.json'),
    JSON.stringify({
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      ...settings,
      'agentora.server.port': agentoraPort,
    }),
  );
  const install = spawnSync(CODE_SERVER, ['--install-extension', VSIX, '--extensions-dir', ext, '--user-data-dir', user], {
    encoding: 'utf8',
    timeout: 120000,
  });
  if (install.status !== 0) throw new Error(`installing the .vsix failed:\n${install.stdout}${install.stderr}`);
  const port = await freePort();
  let log = '';
  const cs: ChildProcess = spawn(
    CODE_SERVER,
    [
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--extensions-dir',
      ext,
      '--user-data-dir',
      user,
      ws,
    ],
    {
      env: { ...process.env, HOME: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  cs.stdout!.on('data', (d) => (log += d));
  cs.stderr!.on('data', (d) => (log += d));
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    cs.kill();
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    await until('code-server to listen', async () => /HTTP server listening/.test(log), 60000);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    const agentoraUrl = `http://127.0.0.1:${agentoraPort}`;
    const tokenFile = path.join(user, 'User/globalStorage/agentora.agentora/token');
    const agentoraToken = () => until('the Agentora token file', async () => existsSync(tokenFile) && readFileSync(tokenFile, 'utf8').trim(), 60000);
    const agentoraFetch = async (p: string, init: RequestInit = {}) =>
      fetch(`${agentoraUrl}${p}`, {
        ...init,
        headers: {
          'content-type': 'application/json',
          ...(init.headers as Record<string, string>),
          authorization: `Bearer ${await agentoraToken()}`,
        },
      });
    return { page, workspace: ws, userDataDir: user, agentoraUrl, agentoraToken, agentoraFetch, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The webview frame that contains `selector` (webviews are nested iframes; some frames detach while we look). */
export async function webviewFrame(page: Page, selector: string, timeoutMs = 60000): Promise<Frame> {
  return until(
    `${selector} in a webview`,
    async () => {
      for (const f of page.frames()) if (await f.$(selector).catch(() => null)) return f;
      return undefined;
    },
    timeoutMs,
  );
}

/** Run an "Agentora: …" command from the command palette, as a user would. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input');
  await page.keyboard.type(`Agentora: ${title}`);
  await until(`"${title}" in the palette`, async () => page.$(`.quick-input-list .monaco-list-row[aria-label*="${title}"]`), 20000);
  await page.keyboard.press('Enter');
}

export function screenshotPath(name: string): string {
  mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  return path.join(ROOT, 'test-results', name);
}
