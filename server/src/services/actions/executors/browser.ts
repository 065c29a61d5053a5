// Browser tools through a real headless Chromium (playwright-core + the configured executable). Every request
// the page makes — each redirect hop, sub-resources, form posts, WebSockets — goes through the same domain
// check as the proposal; anything else is refused. Two layers: Playwright routes (abort early, and name what
// was blocked) — but a route handler sees only the FIRST url of a redirect chain — and underneath, Chromium's
// only network path is a filtering proxy (./netguard.ts) that checks every hop. Service workers are blocked.
// Downloads follow redirects by hand, checking each hop, and land through a verified descriptor on the real
// path the policy checked.
import type { Evaluation } from '../policy';
import { openFileWrite } from '../safefs';
import { loadPlaywright } from '../state';
import { ExecutionFailed, type ExecOptions } from './types';
import { startNetGuard } from './netguard';

const MAX_HOPS = 10;

const DOWNLOAD_MAX = 50 * 1024 * 1024;

export interface BrowserOptions extends ExecOptions {
  /** null if the URL may be loaded, else why not. */
  checkUrl: (url: string) => string | null;
}

export async function runBrowserTool(ev: Evaluation, opts: BrowserOptions): Promise<unknown> {
  const pw = loadPlaywright();
  if (!pw || !opts.browserExecutable) throw new ExecutionFailed('no browser is available');
  const blocked: string[] = [];
  const guard = await startNetGuard(opts.checkUrl, (u, why) => blocked.push(`${u}: ${why}`));
  const browser = await pw.chromium
    .launch({
      executablePath: opts.browserExecutable,
      headless: true,
      // Starting Chromium is not the action's work: give it its own, generous limit.
      timeout: Math.max(opts.timeoutMs, 30000),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--proxy-server=${guard.url}`,
        '--proxy-bypass-list=<-loopback>',
        // Nothing around the proxy: no WebRTC UDP, no DNS prefetching.
        '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
        '--webrtc-ip-handling-policy=disable_non_proxied_udp',
        '--dns-prefetch-disable',
      ],
    })
    .catch(async (err) => {
      await guard.close();
      throw err;
    });
  const cap = (s: string) => (s.length > opts.outputCap ? { text: s.slice(0, opts.outputCap), truncated: true } : { text: s, truncated: false });
  try {
    const context = await browser.newContext({ acceptDownloads: false, javaScriptEnabled: true, serviceWorkers: 'block' });
    context.setDefaultTimeout(opts.timeoutMs);
    const refuse = (u: string): string | null => {
      const why = opts.checkUrl(u);
      if (why) blocked.push(`${u}: ${why}`);
      return why;
    };
    await context.route('**/*', async (route) => {
      const u = route.request().url();
      // A route settled after the page closed rejects; that must never become an unhandled rejection.
      if (/^(data|blob|about):/.test(u)) return route.continue().catch(() => undefined);
      if (refuse(u)) return route.abort('blockedbyclient').catch(() => undefined);
      // Continued by the browser itself, through the filtering proxy (which checks the redirect hops).
      return route.continue().catch(() => undefined);
    });
    // WebSockets are not requests the routes above see: they get their own check (a page's socket to a
    // blocked host was an escape).
    await context.routeWebSocket(/.*/, (ws) => {
      const why = refuse(ws.url());
      if (why) return ws.close({ code: 1008, reason: 'blocked by the domain policy' });
      ws.connectToServer();
    });
    const page = await context.newPage();
    const p = ev.params;
    const target = Object.values(ev.resolved.urls)[0]!.href;

    if (ev.tool === 'browser_download') {
      let url = target;
      let res = await context.request.get(url, { maxRedirects: 0, timeout: opts.timeoutMs });
      for (let hop = 0; res.status() >= 300 && res.status() < 400 && res.headers()['location'] !== undefined; hop++) {
        if (hop >= MAX_HOPS) throw new ExecutionFailed(`download failed: more than ${MAX_HOPS} redirects`);
        url = new URL(res.headers()['location']!, url).href;
        const why = refuse(url);
        if (why) throw new ExecutionFailed(`download refused: redirected to ${url}: ${why}`);
        res = await context.request.get(url, { maxRedirects: 0, timeout: opts.timeoutMs });
      }
      if (!res.ok()) throw new ExecutionFailed(`download failed: HTTP ${res.status()}`);
      const body = await res.body();
      if (body.length > DOWNLOAD_MAX) throw new ExecutionFailed(`download is larger than ${DOWNLOAD_MAX} bytes`);
      const out = ev.resolved.paths.output_path!;
      const fh = await openFileWrite(out, opts.guard, 'output_path', Boolean(p.overwrite));
      try {
        await fh.writeFile(body);
      } finally {
        await fh.close();
      }
      return { url, path: out, bytes: body.length, content_type: res.headers()['content-type'] ?? null };
    }

    const response = await page.goto(target, { waitUntil: 'load', timeout: opts.timeoutMs }).catch((err: Error) => {
      throw new ExecutionFailed(`could not load ${target}: ${blocked[0] ?? err.message.split('\n')[0]}`);
    });
    // The proxy answers a blocked hop with a 403 of its own: a navigation that ended there failed.
    const landed = response?.url();
    const refusedHop = landed ? blocked.find((b) => b.startsWith(`${landed}: `)) : undefined;
    if (refusedHop) throw new ExecutionFailed(`could not load ${target}: redirected to ${refusedHop}`);
    const status = response?.status() ?? null;
    const base = async () => ({ url: page.url(), title: await page.title(), status, blocked_requests: blocked });

    switch (ev.tool) {
      case 'browser_open_url':
      case 'browser_navigate':
        return await base();
      case 'browser_extract_text': {
        const sel = typeof p.selector === 'string' ? p.selector : 'body';
        const el = await page.$(sel);
        if (!el) throw new ExecutionFailed(`no element matches ${sel}`);
        const { text, truncated } = cap((await el.innerText()).trim());
        return { ...(await base()), selector: sel, text, truncated };
      }
      case 'browser_page_summary':
      case 'browser_search': {
        const info = await page.evaluate(() => ({
          description: document.querySelector('meta[name="description"]')?.getAttribute('content') ?? null,
          headings: Array.from(document.querySelectorAll('h1,h2,h3'))
            .slice(0, 20)
            .map((h) => (h as HTMLElement).innerText.trim())
            .filter(Boolean),
          links: Array.from(document.querySelectorAll('a[href]'))
            .slice(0, 20)
            .map((a) => ({ text: (a as HTMLElement).innerText.trim(), href: (a as HTMLAnchorElement).href })),
          text: document.body?.innerText ?? '',
        }));
        return {
          ...(await base()),
          description: info.description,
          headings: info.headings,
          links: info.links,
          excerpt: info.text.trim().slice(0, 600),
        };
      }
      case 'browser_click': {
        const sel = String(p.selector);
        if (!(await page.$(sel))) throw new ExecutionFailed(`no element matches ${sel}`);
        await page.click(sel);
        await page.waitForLoadState('domcontentloaded').catch(() => undefined);
        const { text } = cap(((await page.textContent('body')) ?? '').trim());
        return { ...(await base()), clicked: sel, excerpt: text.slice(0, 600) };
      }
      case 'browser_fill_form': {
        for (const f of p.fields as { selector: string; value: string }[]) {
          if (!(await page.$(f.selector))) throw new ExecutionFailed(`no element matches ${f.selector}`);
          await page.fill(f.selector, f.value);
        }
        if (typeof p.submit_selector === 'string') {
          const nav = page.waitForNavigation({ waitUntil: 'domcontentloaded', timeout: opts.timeoutMs }).catch(() => null);
          await page.click(p.submit_selector);
          await nav;
        }
        const { text } = cap(((await page.textContent('body')) ?? '').trim());
        return {
          ...(await base()),
          filled: (p.fields as unknown[]).length,
          submitted: typeof p.submit_selector === 'string',
          excerpt: text.slice(0, 600),
        };
      }
      default:
        throw new ExecutionFailed(`${ev.tool} is not a browser tool`);
    }
  } finally {
    await browser.close().catch(() => undefined);
    await guard.close();
  }
}
