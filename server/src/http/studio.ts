// The standalone browser studio: one HTML shell plus the same webview bundle VS Code loads. Served with a strict
// CSP (scripts and styles only from this origin, connections only back to it) and no-referrer, because the
// page URL carries the token like Jupyter's does.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

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
<link rel="stylesheet" href="webview/codicons/codicon.css" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="webview/main.css">
<style>
  /* Outside VS Code there are no theme variables: supply the Dark Modern defaults the panels expect. */
  :root { color-scheme: dark; --vscode-font-family: system-ui, sans-serif; --vscode-foreground: #cccccc;
    --vscode-editor-background: #1f1f1f; --vscode-panel-border: #2b2b2b; --vscode-errorForeground: #f85149;
    --vscode-font-size: 13px; --vscode-editor-font-family: ui-monospace, monospace; --vscode-descriptionForeground: #9d9d9d;
    --vscode-focusBorder: #0078d4; --vscode-textLink-foreground: #4daafc; --vscode-input-background: #313131;
    --vscode-input-foreground: #cccccc; --vscode-input-border: #3c3c3c; --vscode-badge-background: #616161;
    --vscode-badge-foreground: #f8f8f8; --vscode-list-hoverBackground: #2a2d2e; --vscode-list-activeSelectionBackground: #04395e;
    --vscode-editorWarning-foreground: #cca700; --vscode-testing-iconPassed: #73c991; --vscode-charts-blue: #3794ff;
    --vscode-charts-green: #89d185; --vscode-charts-red: #f14c4c; --vscode-charts-yellow: #cca700; --vscode-charts-purple: #b180d7;
    --vscode-charts-orange: #d18616; --vscode-sideBar-background: #181818; --vscode-textCodeBlock-background: #2b2b2b; }
  body { background: var(--vscode-editor-background); color: var(--vscode-foreground); margin: 0 auto; max-width: 960px; }
</style>
</head>
<body class="agentora-standalone" data-host="browser" data-version="${version}">
<div id="app"></div>
<script src="webview/main.js"></script>
</body>
</html>`;
}

export function mountStudio(app: FastifyInstance, version: string): void {
  const dir = webviewDir();
  // Only files that exist at start are served; the set is fixed, so no path from the URL touches the disk.
  const files = new Map(listFiles(dir).map((rel) => [rel, path.join(dir, rel)]));
  const html = studioHtml(version);
  const page = (_req: unknown, reply: import('fastify').FastifyReply) =>
    reply.header('Content-Security-Policy', STUDIO_CSP).type('text/html; charset=utf-8').send(html);
  app.get('/', page);
  app.get('/index.html', page);
  app.get('/webview/*', (req, reply) => {
    const rel = (req.params as { '*': string })['*'];
    const file = files.get(rel);
    if (!file) return reply.code(404).send({ ok: false, error: 'not_found', message: `No such studio file: ${rel}` });
    return reply.type(TYPES[path.extname(file)] ?? 'application/octet-stream').header('Cache-Control', 'no-cache').send(readFileSync(file));
  });
}
