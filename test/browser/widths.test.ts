// Every panel at a VS Code sidebar width (300 px) and a desktop width (1280 px), with real data in it: nothing
// overflows sideways at 300 px (forms wrap, the lineage graph scrolls inside its box), and each view is saved as
// a screenshot in test-results/ (git-ignored) for a person to look at.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { screenshotPath } from '../helpers/codeServer';
import { M } from '../../server/src/protocol/calls.gen';

let s: TestServer;
let browser: Browser;
let ws: string;
const WIDTHS = [300, 1280] as const;

async function rpc<T = any>(method: string, params: object): Promise<T> {
  const r = await (await s.fetch('/rpc', { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json();
  if (r.error) throw new Error(`${method}: ${r.error.message}`);
  return r.result as T;
}

before(async () => {
  ws = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agentora-widths-')));
  s = await startServer({
    AGENTORA_ALLOWED_PATH_ROOTS: ws,
    AGENTORA_ALLOWED_APPS: 'git',
    AGENTORA_MISSIONS_WATCHER_ENABLED: 'true',
    AGENTORA_MISSIONS_WATCHER_INTERVAL_SECONDS: '0.2',
  });
  browser = await launchChromium();
  // Data in every panel: missions in several states, pending approvals (a write with a diff, a command), memories
  // with lineage and an upload batch.
  const a = await rpc(M.missions.prepare, {
    repo: 'acme/widgets-with-a-long-repository-name',
    mission_title: 'Fix the login redirect that lands on a blank page',
    objective: 'Send users to the dashboard after login.',
    acceptance_criteria: ['tests pass'],
  });
  await rpc(M.missions.launch, { run_id: a.run_id });
  await rpc(M.missions.prepare, { repo: 'acme/gadgets', mission_title: 'Only prepared', objective: 'Not launched yet.' });
  writeFileSync(
    path.join(ws, 'README.md'),
    Array.from({ length: 30 }, (_, i) => `Line ${i + 1} of a README with a fairly long line of text that has to wrap somewhere.`).join('\n'),
  );
  await s.fetch('/api/actions', {
    method: 'POST',
    body: JSON.stringify({ agent_id: 'coder', tool_name: 'desktop_write_text', params: { path: 'README.md', content: '# New README\n\nShort.\n' } }),
  });
  await s.fetch('/api/actions', {
    method: 'POST',
    body: JSON.stringify({ agent_id: 'coder', tool_name: 'desktop_shell', params: { argv: ['git', 'log', '--oneline', '--max-count=20'], cwd: ws } }),
  });
  const old = (await rpc(M.memory.create, { text: 'Releases ship on Thursdays after the freeze review.' })).capsule;
  await rpc(M.memory.refine, { capsule_id: old.capsule_id, text: 'Releases ship on Wednesdays after the freeze review.' });
  await rpc(M.memory.create, {
    text: 'The payments service retries failed webhooks three times.',
    kind: 'fact',
    layer: 'semantic',
    repo: 'acme/payments',
  });
  await rpc(M.memory.upload, {
    filename: 'runbook.md',
    text: '# Runbook\n\nRestart the ingest workers.\n\n## Escalation\n\nPage the storage on-call.\n',
  });
  for (;;) {
    const m = await rpc(M.missions.get, { run_id: a.run_id });
    if (m.run.terminal) break;
    await new Promise((r) => setTimeout(r, 100));
  }
});
after(async () => {
  await browser?.close();
  await s?.stop();
  rmSync(ws, { recursive: true, force: true });
});

/** Fails when the page scrolls sideways, naming the widest elements (what a person would see cut off). */
async function assertNoSidewaysScroll(page: Page, what: string) {
  const over = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= w + 1) return [];
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > w + 1 && !el.closest('[data-testid=lineage-scroll], .diff'))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}px`);
  });
  assert.deepEqual(over, [], `${what}: nothing may stick out sideways`);
}

const views: { name: string; hash: string; ready: string; then?: (page: Page) => Promise<void> }[] = [
  { name: 'system', hash: 'system', ready: '[data-testid=doctor-items] li' },
  { name: 'missions-list', hash: 'missions', ready: '[data-testid=mission-row]', then: async (p) => p.click('[data-testid=filter-more]') },
  {
    name: 'missions-detail',
    hash: 'missions',
    ready: '[data-testid=mission-row]',
    then: async (p) => {
      await p.click('[data-testid=mission-row][data-status=succeeded]');
      await p.waitForSelector('[data-testid=timeline] li');
    },
  },
  {
    name: 'missions-new',
    hash: 'missions',
    ready: '[data-testid=mission-row]',
    then: async (p) => {
      await p.click('[data-testid=nav-prepare]');
      await p.waitForSelector('[data-testid=prepare-form]');
    },
  },
  {
    name: 'actions',
    hash: 'actions',
    ready: '[data-testid=pending] [data-testid=diff]',
    then: async (p) => {
      await p.waitForSelector('[data-testid=preview-command]');
      await p.selectOption('[data-testid=rule-tool]', 'desktop_write_text');
      await p.selectOption('[data-testid=rule-effect]', 'allow');
    },
  },
  {
    name: 'memory-search',
    hash: 'memory',
    ready: '[data-testid=search-query]',
    then: async (p) => {
      await p.fill('[data-testid=search-query] input', 'releases ship');
      await p.click('[data-testid=search-button]');
      await p.waitForSelector('[data-testid=search-results] li[data-capsule]');
      await p.click('[data-testid=search-results] li[data-capsule] >> text=why?');
    },
  },
  {
    name: 'memory-detail',
    hash: 'memory',
    ready: '[data-testid=search-query]',
    then: async (p) => {
      await p.fill('[data-testid=search-query] input', 'Wednesdays');
      await p.click('[data-testid=search-button]');
      await p.click('[data-testid=search-results] li[data-capsule] button.link >> nth=0');
      await p.waitForSelector('[data-testid=lineage-graph] [data-node]');
    },
  },
  {
    name: 'memory-browse',
    hash: 'memory',
    ready: '[data-testid=memory-tab-browse]',
    then: async (p) => {
      await p.click('[data-testid=memory-tab-browse]');
      await p.waitForSelector('[data-testid=batch-row]');
    },
  },
  {
    name: 'memory-maintenance',
    hash: 'memory',
    ready: '[data-testid=memory-tab-maintenance]',
    then: async (p) => {
      await p.click('[data-testid=memory-tab-maintenance]');
      await p.waitForSelector('[data-testid=memory-health]');
    },
  },
];

for (const width of WIDTHS) {
  test(`every panel at ${width} px: no sideways scrolling; screenshots saved`, async () => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    for (const v of views) {
      await page.goto(`${s.url}/?token=${s.token}#${v.hash}`);
      await page.waitForSelector(v.ready);
      await v.then?.(page);
      await assertNoSidewaysScroll(page, `${v.name} at ${width}px`);
      await page.screenshot({ path: screenshotPath(`panel-${v.name}-${width}.png`), fullPage: true });
    }
    assert.deepEqual(errors, []);
  });
}
