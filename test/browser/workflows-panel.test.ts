// The Workflows panel in the studio (/#workflows), in a real browser, against the fake Ollama: build a workflow
// with the step forms (a bad template is refused with the step and field named), run it stepwise, approve the
// gate from the run view, replay from a step and see where the outputs diverge; then the layout at 300 px.
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
  fake = await startFakeOllama(undefined, { chat: (body, n) => `answer #${n}: ${body.messages.at(-1)!.content}` });
  s = await startServer({ AGENTORA_USE_MOCK_OLLAMA: 'false', AGENTORA_OLLAMA_URL: fake.url });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => errors.push(e.message));
});
after(async () => {
  await browser?.close();
  await s?.stop();
  await fake?.close();
});

const step = (i: number) => page.locator('[data-testid=wf-step-form]').nth(i);
const runStep = (pos: number) => page.locator(`[data-testid=wf-run] [data-testid=wf-run-step][data-position="${pos}"]`);

test('build a workflow, run it stepwise, approve the gate, replay from a step and see the divergence', async () => {
  await page.goto(`${s.url}/?token=${s.token}#workflows`);
  await page.waitForSelector('[data-testid=wf-empty]');
  await page.click('[data-testid=wf-new]');
  await page.fill('[data-testid=wf-name]', 'Release notes');
  await page.fill('[data-testid=wf-description]', 'outline, check, write up');
  // Step 1: a model call over the input.
  await step(0).locator('[data-testid=step-name]').fill('outline');
  await step(0).locator('[data-testid=step-prompt]').fill('Outline the notes for {{inputs.topic}}');
  // Step 2: an approval gate.
  await page.click('[data-testid=wf-add-step]');
  await step(1).locator('[data-testid=step-name]').fill('check');
  await step(1).locator('[data-testid=step-type]').selectOption('approval_gate');
  await step(1).locator('[data-testid=step-message]').fill('Is the outline right?');
  // Step 3: a model call that (by mistake) reads a step that does not exist.
  await page.click('[data-testid=wf-add-step]');
  await step(2).locator('[data-testid=step-name]').fill('write');
  await step(2).locator('[data-testid=step-prompt]').fill('Write up {{steps.outlin.output}}');
  await page.click('[data-testid=wf-save]');
  const err = await page.waitForSelector('[data-testid=wf-error]');
  assert.match((await err.textContent()) ?? '', /steps\.2\.params\.prompt: step 3 'write'.*does not exist/);
  await step(2).locator('[data-testid=step-prompt]').fill('Write up {{steps.outline.output}}');
  await page.click('[data-testid=wf-save]');
  await page.waitForSelector('[data-testid=wf-def-steps] li >> nth=2');

  // Run it stepwise with the inputs form generated from the schema.
  await page.fill('[data-testid=wf-run-input-topic]', 'v2.1');
  await page.selectOption('[data-testid=wf-mode]', 'stepwise');
  await page.click('[data-testid=wf-start]');
  await page.waitForSelector('[data-testid=wf-run][data-status=paused]');
  assert.equal(fake.chats.length, 0, 'stepwise waits for Advance');
  await page.click('[data-testid=wf-advance]');
  await runStep(1).and(page.locator('[data-status=done]')).waitFor();
  await page.waitForSelector('[data-testid=wf-run][data-status=paused]');
  assert.equal(await runStep(2).getAttribute('data-status'), 'pending');
  assert.match((await runStep(1).locator('[data-testid=wf-step-output]').textContent()) ?? '', /Outline the notes for v2\.1/);
  await page.click('[data-testid=wf-advance]');
  await page.waitForSelector('[data-testid=wf-run][data-status=waiting_approval] [data-testid=wf-gate]');
  await page.screenshot({ path: screenshotPath('workflows-gate-1280.png') });
  await runStep(2).locator('[data-testid=wf-approve]').click();
  await runStep(2).and(page.locator('[data-status=done]')).waitFor();
  await page.waitForSelector('[data-testid=wf-run][data-status=paused]');
  await page.click('[data-testid=wf-advance]');
  await page.waitForSelector('[data-testid=wf-run][data-status=completed]');
  assert.equal(fake.chats.length, 2);
  const original = (await runStep(3).locator('[data-testid=wf-step-output]').textContent()) ?? '';
  assert.match(original, /Write up answer #1/);

  // Replay from step 3: steps 1–2 reuse their outputs (no model call, no gate), step 3 runs again.
  await runStep(3).locator('[data-testid=wf-replay-from]').click();
  await page.waitForSelector('[data-testid=wf-run][data-status=completed] [data-testid=wf-compare]');
  assert.equal(await runStep(1).getAttribute('data-status'), 'reused');
  assert.equal(await runStep(2).getAttribute('data-status'), 'reused');
  assert.equal(fake.chats.length, 3, 'only step 3 called the model');
  await page.click('[data-testid=wf-compare]');
  const table = page.locator('[data-testid=wf-compare-table]');
  await table.waitFor();
  assert.match((await table.locator('caption').textContent()) ?? '', /diverge from step 3/);
  assert.deepEqual(await table.locator('[data-testid=wf-compare-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-same'))), [
    'true',
    'true',
    'false',
  ]);
  await page.screenshot({ path: screenshotPath('workflows-replay-1280.png'), fullPage: true });

  // History lists both runs; the filter narrows it.
  await page.waitForSelector('[data-testid=wf-history-item] >> nth=1');
  await page.selectOption('[data-testid=wf-history-filter]', 'failed');
  await page.waitForSelector('[data-testid=wf-history] >> text=No runs match this filter.');
  await page.selectOption('[data-testid=wf-history-filter]', '');
  await page.waitForSelector('[data-testid=wf-history-item] >> nth=1');
  assert.deepEqual(errors, []);
});

test('the panel works at 300 px: the editor and the run view fit', async () => {
  await page.setViewportSize({ width: 300, height: 800 });
  await page.goto(`${s.url}/?token=${s.token}#workflows`);
  await page.waitForSelector('[data-testid=wf-select] option >> nth=1', { state: 'attached' });
  await page.selectOption('[data-testid=wf-select]', { index: 1 });
  await page.waitForSelector('[data-testid=wf-history-item]');
  await page.locator('[data-testid=wf-history-item] button').last().click();
  await page.waitForSelector('[data-testid=wf-run]');
  const fit = async () =>
    page.evaluate(() => {
      const el = document.querySelector('.workflows')!;
      return { overflow: el.scrollWidth - el.clientWidth, right: el.getBoundingClientRect().right };
    });
  let f = await fit();
  assert.ok(f.overflow <= 1 && f.right <= 300, `run view fits in 300 px (${JSON.stringify(f)})`);
  await page.screenshot({ path: screenshotPath('workflows-run-300.png'), fullPage: true });
  await page.click('[data-testid=wf-edit]');
  await page.waitForSelector('[data-testid=wf-editor]');
  f = await fit();
  assert.ok(f.overflow <= 1 && f.right <= 300, `editor fits in 300 px (${JSON.stringify(f)})`);
  await page.screenshot({ path: screenshotPath('workflows-editor-300.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
