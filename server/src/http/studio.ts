// The standalone browser studio: one HTML shell plus the same webview bundle VS Code loads. Served with a strict
// CSP (scripts and styles only from this origin, connections only back to it) and no-referrer, because the
// page URL carries a one-time code (exchanged for an HttpOnly session cookie, see services/credentials/sessions.ts).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context';
import { exchangeCode, sessionCookie, sessionFromCookie, sessionValid } from '../services/credentials/sessions';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

export const STUDIO_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The built webview folder: beside the bundle in dist/, or dist/webview when running from sources. */
export function webviewDir(): string {
  const candidates = [path.join(__dirname, '..', 'webview'), path.resolve(__dirname, '../../../dist/webview')];
  return candidates.find((d) => existsSync(path.join(d, 'main.js'))) ?? candidates[0]!;
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

export function studioHtml(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Agentora Studio</title>
<link rel="icon" href="favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="webview/codicons/codicon.css" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="webview/main.css">
<style>
  /* Outside VS Code there are no theme variables: supply the Dark Modern defaults the panels expect. */
  :root { color-scheme: dark; --vscode-font-family: -apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif; --vscode-foreground: #cccccc;
    --vscode-editor-background: #1f1f1f; --vscode-panel-border: #2b2b2b; --vscode-errorForeground: #f85149;
    --vscode-font-size: 13px; --vscode-editor-font-family: Menlo, Monaco, Consolas, "Droid Sans Mono", "Courier New", monospace; --vscode-descriptionForeground: #9d9d9d;
    --vscode-focusBorder: #0078d4; --vscode-textLink-foreground: #4daafc; --vscode-input-background: #313131;
    --vscode-input-foreground: #cccccc; --vscode-input-border: #3c3c3c; --vscode-badge-background: #616161;
    --vscode-badge-foreground: #f8f8f8; --vscode-list-hoverBackground: #2a2d2e; --vscode-list-activeSelectionBackground: #04395e;
    --vscode-editorWarning-foreground: #cca700; --vscode-testing-iconPassed: #73c991; --vscode-charts-blue: #3794ff;
    --vscode-charts-green: #89d185; --vscode-charts-red: #f14c4c; --vscode-charts-yellow: #cca700; --vscode-charts-purple: #b180d7;
    --vscode-charts-orange: #d18616; --vscode-sideBar-background: #181818; --vscode-textCodeBlock-background: #2b2b2b; }
  /* VS Code's workbench font stack (not the browser default serif), also for form controls. */
  body { background: var(--vscode-editor-background); color: var(--vscode-foreground); margin: 0 auto; max-width: 960px;
    font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
  button, input, select, textarea { font-family: inherit; font-size: inherit; }
</style>
</head>
<body class="agentora-standalone" data-host="browser" data-version="${version}">
<div id="app"></div>
<script src="webview/main.js"></script>
</body>
</html>`;
}

/** The studio's icon (SVG, served as /favicon.ico): a rounded square with an "A". */
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0078d4"/><path d="M16 6 8 26h4l1.6-4.4h4.8L20 26h4L16 6zm-1.2 12L16 14.5 17.2 18h-2.4z" fill="#fff"/></svg>';

function usedLinkPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Agentora Studio: link already used</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto; background: #1f1f1f; color: #cccccc">
<h1>This studio link has already been used (or has expired)</h1>
<p>A studio link works once: opening it gives this browser a session, and the link itself is then useless, so a copy in the
browser's history or a screenshot cannot open the studio.</p>
<p>Get a fresh link: in VS Code run <b>Agentora: Open Studio</b>; standalone, restart <code>agentora serve</code> (it prints one),
or ask the server for one with the operator token:
<code>curl -s -X POST -H "Authorization: Bearer $(cat ~/.agentora/token)" http://127.0.0.1:PORT/api/credentials/studio-link</code></p>
</body></html>`;
}

export function mountStudio(app: FastifyInstance, ctx: ServerContext): void {
  const dir = webviewDir();
  // Only files that exist at start are served; the set is fixed, so no path from the URL touches the disk.
  const files = new Map(listFiles(dir).map((rel) => [rel, path.join(dir, rel)]));
  const html = studioHtml(ctx.version);
  const page = (req: FastifyRequest, reply: FastifyReply) => {
    const code = (req.query as { code?: unknown }).code;
    if (typeof code === 'string' && code) {
      // A studio link: spend the code for a session cookie, then drop the code from the address bar. The fragment
      // (#actions) survives the redirect. A spent code with a live session cookie is just a visit.
      const sid = exchangeCode(ctx, code);
      if (sid) return reply.header('Set-Cookie', sessionCookie(sid)).redirect('/', 303);
      const current = sessionFromCookie(req.headers.cookie);
      if (current && sessionValid(ctx, current)) return reply.redirect('/', 303);
      return reply.code(403).header('Content-Security-Policy', STUDIO_CSP).type('text/html; charset=utf-8').send(usedLinkPage());
    }
    return reply.header('Content-Security-Policy', STUDIO_CSP).type('text/html; charset=utf-8').send(html);
  };
  // Browsers ask for /favicon.ico on their own: answer with a small mark instead of a 404 in the console.
  app.get('/favicon.ico', (_req, reply) => reply.type('image/svg+xml').header('Cache-Control', 'max-age=86400').send(FAVICON));
  app.get('/', page);
  app.get('/index.html', page);
  app.get('/webview/*', (req, reply) => {
    const rel = (req.params as { '*': string })['*'];
    const file = files.get(rel);
    if (!file) return reply.code(404).send({ ok: false, error: 'not_found', message: `No such studio file: ${rel}` });
    return reply.type(TYPES[path.extname(file)] ?? 'application/octet-stream').header('Cache-Control', 'no-cache').send(readFileSync(file));
  });
}
