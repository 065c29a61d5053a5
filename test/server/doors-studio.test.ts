// The studio link (issue 9 #12): it carries a one-time code, never the token. Opening it in a real browser gives
// an HttpOnly, SameSite=Strict session cookie and drops the code from the address bar; the panels then work on
// the cookie alone (webview/src/client/http.ts: /rpc and the event stream). The same link opened again — from the
// history, a screenshot, another browser — fails with a clear message. The operator's Credentials UI is driven here
// too: create an agent credential, see its secret once, revoke it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';

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

const freshLink = async () => ((await (await s.fetch('/api/credentials/studio-link', { method: 'POST', body: '{}' })).json()) as { url: string }).url;

describe('studio links', () => {
  test('the link holds a one-time code, not the token; the exchange sets an HttpOnly SameSite=Strict cookie', async () => {
    const link = await freshLink();
    assert.match(link, /\/\?code=[\w-]+$/);
    assert.ok(!link.includes(s.token));
    const res = await fetch(link, { redirect: 'manual' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/');
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^agentora_session=[\w-]{40,};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const sid = /^agentora_session=([^;]+)/.exec(cookie)![1];
    // The cookie alone is the operator's session on the API…
    const api = await fetch(`${s.url}/api/actions/policy`, { headers: { cookie: `agentora_session=${sid}` } });
    assert.equal(api.status, 200);
    // … but a made-up one is not.
    const forged = await fetch(`${s.url}/api/actions/policy`, { headers: { cookie: 'agentora_session=nope' } });
    assert.equal(forged.status, 401);
    assert.match(((await forged.json()) as { message: string }).message, /open a fresh studio link/);
    // Spent: the same link again is refused.
    const again = await fetch(link, { redirect: 'manual' });
    assert.equal(again.status, 403);
    assert.match(await again.text(), /already been used/);
  });

  test('in a browser: the panels work on the cookie; the link from history is useless afterwards', async () => {
    const link = await freshLink();
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${link}#actions`);
    await page.waitForSelector('[data-testid=credential-form]');
    assert.ok(!page.url().includes('code='), `the code left the address bar: ${page.url()}`);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'agentora_session')!;
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'page scripts cannot read the session');

    // Drive the Credentials UI like an operator: name it, create, see the secret once, revoke.
    await page.fill('[data-testid=credential-name]', 'browser-bot');
    await page.click('[data-testid=credential-create]');
    const secret = (await page.textContent('[data-testid=credential-secret-value]'))!.trim();
    assert.match(secret, /^agt_/);
    const who = await fetch(`${s.url}/api/credentials/me`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(((await who.json()) as { name: string }).name, 'browser-bot');
    await page.click('[data-testid=credential-secret-done]');
    assert.equal(await page.locator('[data-testid=credential-secret]').count(), 0, 'the secret is not shown again');
    await page.click('[data-testid=credential-row]:has-text("browser-bot") [data-testid=credential-revoke]');
    await page.waitForSelector('[data-testid=credential-row][data-revoked=true]:has-text("browser-bot")');
    assert.equal((await fetch(`${s.url}/api/credentials/me`, { headers: { authorization: `Bearer ${secret}` } })).status, 401);

    // Live notifications reach the cookie-authenticated page (the SSE stream works without a token).
    const proposed = (await (await s.fetch('/api/actions', { method: 'POST', body: JSON.stringify({ tool_name: 'desktop_write_text', params: { path: `${s.dataDir}/x.txt`, content: 'x' } }) })).json()).item as { id: number }; // wire shape {ok, item}
    await page.waitForSelector(`[data-id="${proposed.id}"]`);

    // Someone else opens the link from the history: a clear refusal, no session.
    const other = await browser.newContext();
    const thief = await other.newPage();
    const res = await thief.goto(link);
    assert.equal(res!.status(), 403);
    assert.match(await thief.textContent('h1') ?? '', /already been used/);
    assert.equal((await other.cookies()).length, 0);
    // The operator's own browser still works: reloading keeps the session.
    await page.reload();
    await page.waitForSelector('[data-testid=credential-row]');
    assert.deepEqual(errors, []);
    await other.close();
    await context.close();
  });
});
