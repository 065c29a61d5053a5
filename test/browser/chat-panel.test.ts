// The Chat panel in the studio (/#chat), in a real browser, against the fake Ollama through the official client:
// a conversation typed like a user, tokens streaming, Stop, Regenerate, switching branches, Remember this (the
// memory shows in the Memory panel), hostile Markdown rendered inert, and the layout at 300 and 1280 px.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';
import { screenshotPath } from '../helpers/codeServer';
import { startFakeOllama, type FakeOllama } from '../fakes/ollama';

let fake: FakeOllama;
let s: TestServer;
let browser: Browser;
let page: Page;
const errors: string[] = [];

before(async () => {
  fake = await startFakeOllama(['slow:latest', 'llama3.2:latest', 'nomic-embed-text:latest'], {
    slowTokens: 60,
    slowDelayMs: 40,
    pullSteps: 30,
    pullDelayMs: 40,
  });
  s = await startServer({
    AGENTORA_USE_MOCK_OLLAMA: 'false',
    AGENTORA_OLLAMA_URL: fake.url,
    AGENTORA_OLLAMA_CHAT_MODEL: 'slow',
    AGENTORA_MEMORY_EMBEDDINGS_ENABLED: 'false',
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (e) => errors.push(e.message));
});
after(async () => {
  await browser?.close();
  await s?.stop();
  await fake?.close();
});

const assistant = (i: number) => page.locator('[data-testid=message-assistant]').nth(i);

test('type, watch tokens stream, Stop keeps the partial answer, Regenerate, switch branches', async () => {
  await page.goto(`${s.url}/?token=${s.token}#chat`);
  await page.fill('[data-testid=composer]', 'Count for me please');
  await page.keyboard.press('Enter');
  // Tokens arrive one after another: the text grows while the answer is marked streaming.
  await page.waitForFunction(() => /tok2 /.test(document.querySelector('[data-testid=message-assistant]')?.textContent ?? ''));
  assert.equal(await assistant(0).getAttribute('data-status'), 'streaming');
  const early = (await assistant(0).locator('[data-testid=message-body]').textContent()) ?? '';
  await page.waitForFunction(
    (n) => (document.querySelector('[data-testid=message-assistant] [data-testid=message-body]')?.textContent ?? '').length > n,
    early.length,
  );
  await page.click('[data-testid=stop]');
  await page.waitForSelector('[data-testid=message-assistant][data-status=stopped]');
  const partial = (await assistant(0).locator('[data-testid=message-body]').textContent()) ?? '';
  assert.match(partial, /^tok0 tok1 tok2 /);
  assert.doesNotMatch(partial, /tok59/, 'stopped before the end');
  assert.equal(fake.chats.at(-1)!.ended, false, 'Ollama never finished the stopped answer');
  assert.equal(await page.locator('[data-testid=composer]').inputValue(), '', 'the composer was cleared');

  await page.click('[data-testid=message-assistant] [data-testid=regenerate]');
  await page.waitForSelector('[data-testid=message-assistant][data-status=complete]', { timeout: 20000 });
  assert.match((await assistant(0).textContent()) ?? '', /tok59/);
  assert.equal(await page.textContent('[data-testid=message-assistant] [data-testid=branch-position]'), '2/2');
  await page.screenshot({ path: screenshotPath('chat-1280.png') });

  await page.click('[data-testid=message-assistant] [data-testid=branch-prev]');
  await page.waitForSelector('[data-testid=message-assistant][data-status=stopped]');
  assert.equal(await page.textContent('[data-testid=message-assistant] [data-testid=branch-position]'), '1/2');
  assert.equal((await assistant(0).locator('[data-testid=message-body]').textContent())?.trim(), partial.trim(), 'the old branch is kept');

  // Esc stops too.
  await page.fill('[data-testid=composer]', 'And again');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /tok1 /.test(document.querySelectorAll('[data-testid=message-assistant]')[1]?.textContent ?? ''));
  await page.focus('[data-testid=composer]');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=message-assistant]')[1]?.getAttribute('data-status') === 'stopped');
  // Shift+Enter is a newline, not a send.
  await page.fill('[data-testid=composer]', 'line one');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('line two');
  assert.equal(await page.locator('[data-testid=composer]').inputValue(), 'line one\nline two');
  assert.equal(await page.locator('[data-testid=message-user]').count(), 2);
  await page.fill('[data-testid=composer]', '');
});

test('Remember this creates a memory that appears in the Memory panel', async () => {
  await page.click('[data-testid=message-user] >> nth=0 >> [data-testid=remember]');
  await page.waitForSelector('[data-testid=chat-notice]');
  const notice = (await page.textContent('[data-testid=chat-notice]')) ?? '';
  const id = /memory #(\d+)/.exec(notice)?.[1];
  assert.ok(id, notice);
  await page.click('[data-panel-tab=memory]');
  await page.fill('[data-testid=search-query] input', 'count for me');
  await page.click('[data-testid=search-button]');
  await page.waitForSelector(`[data-testid=search-results] li[data-capsule="${id}"]`);
  assert.match((await page.textContent(`[data-testid=search-results] li[data-capsule="${id}"]`)) ?? '', /Count for me please/);

  // The next turn uses it, and says why.
  await page.click('[data-panel-tab=chat]');
  await page.waitForSelector('[data-testid=message-user]');
  await page.fill('[data-testid=composer]', 'Count for me once more');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('[data-testid=message-assistant]')].some(
        (m) => m.getAttribute('data-status') === 'complete' && m.querySelector('[data-testid=used-memories]'),
      ),
    undefined,
    { timeout: 20000 },
  );
  const used = page.locator('[data-testid=message-assistant]:has([data-testid=used-memories])').last();
  await used.locator('[data-testid=used-memories] summary').first().click();
  assert.match((await used.locator('[data-testid=used-memories]').textContent()) ?? '', new RegExp(`#${id} Count for me please`));
  await used.locator('.why summary').first().click();
  assert.match((await used.locator('.why').first().textContent()) ?? '', /final/);
});

test('hostile Markdown from the model is rendered inert; code blocks get Copy / Insert / Apply', async () => {
  await page.goto(`${s.url}/?token=${s.token}#chat`);
  await page.click('[data-testid=new-chat]');
  await page.click('[data-testid=toggle-settings]');
  await page.selectOption('[data-testid=session-model]', 'llama3.2:latest');
  const hostile =
    'echo: Look <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> [x](javascript:window.__xss=3)\n\n```ts\nconst a = 1;\n```\n';
  await page.fill('[data-testid=composer]', hostile);
  await page.click('[data-testid=send]');
  await page.waitForSelector('[data-testid=message-assistant][data-status=complete] [data-testid=code-block]');
  const body = page.locator('[data-testid=message-assistant] [data-testid=message-body]');
  assert.equal(await body.locator('img[onerror]').count(), 0);
  assert.equal(await body.locator('script').count(), 0);
  assert.equal(await body.locator('a[href^="javascript:"]').count(), 0);
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
  assert.match((await page.textContent('[data-testid=message-assistant] [data-testid=code-block] pre')) ?? '', /const a = 1;/);
  await page.click('[data-testid=message-assistant] [data-testid=code-insert]');
  await page.waitForSelector('[data-testid=message-assistant] [data-testid=code-block] [role=status]');
  assert.match((await page.textContent('[data-testid=message-assistant] [data-testid=code-block] [role=status]')) ?? '', /No editor is connected/);
});

test('model manager: capabilities, pull with a progress bar, delete after confirming', async () => {
  await page.setViewportSize({ width: 300, height: 800 });
  await page.goto(`${s.url}/?token=${s.token}#chat`);
  await page.click('[data-testid=toggle-models]');
  await page.waitForSelector('[data-testid=model-row]');
  assert.match((await page.textContent('[data-testid=model-manager]')) ?? '', /llama3\.2:latest.*completion.*tools/s);
  await page.fill('[data-testid=pull-name]', 'phi3:mini');
  await page.click('[data-testid=pull]');
  await page.waitForSelector('[data-testid=pull-job] progress');
  await page.screenshot({ path: screenshotPath('chat-models-300.png') });
  await page.waitForSelector('[data-testid=model-row] >> text=phi3:mini', { timeout: 20000 });
  const row = page.locator('[data-testid=model-row]', { hasText: 'phi3:mini' });
  await row.locator('[data-testid=delete-model]').click();
  await row.locator('[data-testid=confirm-delete]').click();
  await page.waitForFunction(() => !/phi3:mini/.test(document.querySelector('[data-testid=model-manager] ul')?.textContent ?? ''));
  await page.click('[data-testid=toggle-models]');
});

test('choosing the default chat model in the model manager: new chats use it; a model without chat says so', async () => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${s.url}/?token=${s.token}#chat`);
  await page.click('[data-testid=toggle-models]');
  await page.waitForSelector('[data-testid=default-chat]');
  assert.match((await page.textContent('[data-testid=default-chat]')) ?? '', /slow.*from settings/s);
  // An embedding-only model offers no "Use for chat"; the chat model offers it.
  const embedRow = page.locator('[data-testid=model-row]', { hasText: 'nomic-embed-text' });
  assert.equal(await embedRow.getByRole('button', { name: /for chat/ }).count(), 0);
  await page.getByRole('button', { name: 'Use llama3.2:latest for chat' }).click();
  await page.waitForFunction(() => /llama3\.2:latest.*chosen here/s.test(document.querySelector('[data-testid=default-chat]')?.textContent ?? ''));
  await page.click('[data-testid=toggle-models]');

  // A new chat on "default" now talks to the chosen model.
  await page.click('[data-testid=new-chat]');
  await page.fill('[data-testid=composer]', 'echo: on the chosen default');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=message-assistant][data-status=complete]');
  assert.equal(fake.chats.at(-1)!.model, 'llama3.2:latest');

  // The same chat on an embedding model: a clear error with the fix, not a silent stop.
  await page.click('[data-testid=toggle-settings]');
  await page.selectOption('[data-testid=session-model]', 'nomic-embed-text:latest');
  await page.fill('[data-testid=composer]', 'and now?');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=message-assistant][data-status=error] [data-testid=message-error]');
  const err = (await page.locator('[data-testid=message-assistant][data-status=error] [data-testid=message-error]').textContent()) ?? '';
  assert.match(err, /does not support chat/);
  assert.match(err, /capability in the model manager/);

  // Back to the setting.
  await page.click('[data-testid=toggle-models]');
  await page.click('[data-testid=reset-chat]');
  await page.waitForFunction(() => /slow.*from settings/s.test(document.querySelector('[data-testid=default-chat]')?.textContent ?? ''));
  await page.click('[data-testid=toggle-models]');
});

test('the panel works at 300 px: the session list is a toggle, the composer and messages fit', async () => {
  await page.setViewportSize({ width: 300, height: 700 });
  await page.goto(`${s.url}/?token=${s.token}#chat`);
  await page.click('[data-testid=toggle-sessions]');
  await page.waitForSelector('[data-testid=session-item]');
  await page.click('[data-testid=session-item] >> nth=1');
  await page.waitForSelector('[data-testid=message-assistant]');
  // The studio's tab bar is the shell's; the panel itself (what a VS Code sidebar shows) must fit.
  const fit = await page.evaluate(() => {
    const el = document.querySelector('[data-testid=chat-panel]')!;
    return { overflow: el.scrollWidth - el.clientWidth, right: el.getBoundingClientRect().right };
  });
  assert.ok(fit.overflow <= 1 && fit.right <= 300, `the panel fits in 300 px (${JSON.stringify(fit)})`);
  const box = await page.locator('[data-testid=composer]').boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 300);
  await page.screenshot({ path: screenshotPath('chat-300.png') });
  assert.deepEqual(errors, []);
});
