// In a real VS Code for the Web (code-server), as a user would: "Agentora: Open Studio in Browser" opens the
// studio through the editor's own port forwarding (code-server's /proxy/<port>/, from vscode.env.asExternalUri).
// The studio loads there — no "Host not allowed", the one-time code is exchanged for a session — and its panels
// talk to the server. A foreign Host is still refused. Needs `npm run package` first (.ci/run does it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Page } from 'playwright-core';
import { openEditor, runCommand, screenshotPath, until, type Editor } from '../helpers/codeServer';

let editor: Editor;
let page: Page;

before(async () => {
  editor = await openEditor({ 'agentora.server.port': 0 });
  page = editor.page;
});
after(() => editor?.stop());

const statusReady = () => page.$('[aria-label*="Agentora server is ready"], .statusbar-item:has-text("Agentora") .codicon-pulse');

test('Open Studio in Browser works through code-server’s /proxy/<port>/', async () => {
  await until('Agentora server ready in the status bar', statusReady, 60000);
  const popup = page.context().waitForEvent('page', { timeout: 30000 });
  await runCommand(page, 'Open Studio in Browser');
  // code-server may first ask whether to open the external link.
  const opened = await Promise.race([
    popup,
    until('the open-link prompt', async () => page.$('.dialog-buttons .monaco-button:has-text("Open")'), 30000).then(async (b) => {
      await b.click();
      return popup;
    }),
  ]);
  const studio = await opened;
  await studio.waitForLoadState('domcontentloaded');
  const editorOrigin = new URL(page.url()).origin;
  assert.equal(new URL(studio.url()).origin, editorOrigin, `the studio is served by the editor's origin (${studio.url()})`);
  assert.match(new URL(studio.url()).pathname, /^\/proxy\/\d+\//, 'through the port proxy');
  // The studio shell renders and a panel gets an answer from the server (the System panel's status).
  await studio.waitForSelector('[data-testid=system-panel], [data-testid=missions-panel], nav', { timeout: 30000 });
  const body = (await studio.textContent('body')) ?? '';
  assert.doesNotMatch(body, /Host not allowed|forbidden|unauthorized/i);
  await studio.goto(new URL('#system', studio.url()).toString().replace(/\?[^#]*/, ''));
  await until('the System panel to show the server status', async () => /ready|ok|version/i.test((await studio.textContent('body')) ?? ''), 30000);
  await studio.screenshot({ path: screenshotPath('e2e-studio-through-proxy.png') });

  // The door stays closed to other hosts: a request naming a foreign Host is refused by the server.
  // (node:http, because fetch does not let a caller name the Host header.)
  const url = new URL(editor.agentoraUrl);
  const token = await editor.agentoraToken();
  const status = await new Promise<number>((resolve, reject) =>
    request(
      { host: url.hostname, port: url.port, path: '/api/health', headers: { host: 'evil.example', authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    )
      .on('error', reject)
      .end(),
  );
  assert.equal(status, 403, 'a foreign Host is refused');
});
