// In a real VS Code (code-server), as a user would: open a file, select its code, run "Agentora: Ask About
// Selection" from the palette, accept the question; the Chat view opens with the question (and where the code came
// from) and the (mock) model's answer streams into it; "Insert at Cursor" on the answer's code block replaces the
// selection in the editor, and saving writes it to the file. Needs `npm run package` first (.ci/run does it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openEditor, runCommand, screenshotPath, until, webviewFrame, type Editor } from '../helpers/codeServer';

let editor: Editor;
let page: Page;
let file: string;

before(async () => {
  editor = await openEditor({ 'agentora.server.port': 0 });
  page = editor.page;
  file = path.join(editor.workspace, 'calc.ts');
  writeFileSync(file, 'export const add = (a: number, b: number) => a + b;\n');
});
after(() => editor?.stop());

const statusReady = () => page.$('[aria-label*="Agentora server is ready"], .statusbar-item:has-text("Agentora") .codicon-pulse');

test('Ask About Selection: the answer streams into the Chat view; Insert at Cursor changes the file', async () => {
  await until('Agentora server ready in the status bar', statusReady, 60000);
  // Open calc.ts with Quick Open and select all of it.
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input');
  await page.keyboard.type('calc.ts');
  await until('calc.ts in Quick Open', async () => page.$('.quick-input-list .monaco-list-row[aria-label*="calc.ts"]'), 20000);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.monaco-editor .view-lines:has-text("export const add")');
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+A');

  await runCommand(page, 'Ask About Selection');
  const input = await until('the question box', async () => page.$('.quick-input-widget:has-text("Ask About calc.ts:1-") input'), 20000);
  assert.equal(await input.inputValue(), 'Explain this code.');
  await page.keyboard.press('Enter');

  const chat = await webviewFrame(page, '[data-testid=chat-panel]');
  const asked = await until('the question in the Chat view', async () => chat.$('[data-testid=message-user]:has-text("Explain this code.")'), 30000);
  assert.match((await asked.textContent()) ?? '', /calc\.ts/);
  const answer = await until(
    'the streamed answer with a code block',
    async () => chat.$('[data-testid=message-assistant][data-status=complete] [data-testid=code-block]'),
    30000,
  );
  assert.match((await answer.textContent()) ?? '', /reviewed by the mock model[\s\S]*export const add/);
  await page.screenshot({ path: screenshotPath('e2e-vscode-chat.png') });

  await (await chat.$('[data-testid=message-assistant] [data-testid=code-insert]'))!.click();
  await page.waitForSelector('.monaco-editor .view-lines:has-text("reviewed by the mock model")', { timeout: 20000 });
  // Save from the editor as a user would; the file on disk now holds the inserted code.
  await page.click('.monaco-editor .view-lines');
  await page.keyboard.press('Control+S');
  await until('the inserted code saved to calc.ts', async () => /reviewed by the mock model/.test(readFileSync(file, 'utf8')), 20000);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^\/\/ reviewed by the mock model\nexport const add = \(a: number, b: number\) => a \+ b;/);
  assert.equal(text.match(/export const add/g)?.length, 1, 'the selection was replaced, not duplicated');
});
