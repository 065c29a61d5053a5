// One host class for every panel: serves the shared webview bundle with a nonce CSP, relays requests to the
// server and forwards server notifications to the panel.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ServerController } from '../client';

/**
 * The bundle and its CSS are inlined into the page rather than loaded through `asWebviewUri`: in VS Code for the
 * Web / code-server those loads go through a service worker that is sometimes not yet in control when several
 * views open at once, and the panel then stays blank. Inlined, only the codicon font depends on it (and
 * @vscode-elements needs the codicon stylesheet as a <link> with that id, so it stays one).
 */
let inlined: { js: string; css: string } | undefined;
function inlineAssets(root: vscode.Uri): { js: string; css: string } {
  inlined ??= {
    // `</script` inside the bundle would end the element early; `<\/script` means the same to JavaScript.
    js: readFileSync(vscode.Uri.joinPath(root, 'main.js').fsPath, 'utf8').replace(/<\/script/gi, '<\\/script'),
    css: readFileSync(vscode.Uri.joinPath(root, 'main.css').fsPath, 'utf8').replace(/<\/style/gi, '<\\/style'),
  };
  return inlined;
}

export class PanelView implements vscode.WebviewViewProvider {
  view: vscode.WebviewView | undefined;
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly panel: string,
    private readonly server: ServerController,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const root = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [root] };
    const render = () => {
      const nonce = randomBytes(16).toString('base64');
      const asset = (p: string) => view.webview.asWebviewUri(vscode.Uri.joinPath(root, p)).toString();
      const csp = `default-src 'none'; img-src ${view.webview.cspSource} data:; font-src ${view.webview.cspSource}; style-src ${view.webview.cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';`;
      const { js, css } = inlineAssets(root);
      view.webview.html = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="${asset('codicons/codicon.css')}" id="vscode-codicon-stylesheet"><style>${css}</style></head>
<body data-host="vscode" data-panel="${this.panel}" data-render="${Date.now()}"><div id="app"></div><script nonce="${nonce}">${js}</script></body></html>`;
    };
    // Self-heal: the page says `ready` once its script runs. VS Code for the Web sometimes never loads a view's
    // frame when several open at once; if no `ready` arrives, render again (a few times, with growing waits).
    let ready = false;
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    const watchdog = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => {
          if (ready || attempts >= 4) return;
          attempts++;
          this.server.output.warn(`Agentora ${this.panel} view did not load; rendering it again (attempt ${attempts})`);
          render();
          watchdog();
        },
        3000 * (attempts + 1),
      );
    };
    render();
    watchdog();
    const subs = [
      view.webview.onDidReceiveMessage(async (msg: { type: string; id?: number; method?: string; params?: unknown }) => {
        if (msg.type === 'ready') {
          ready = true;
          // A view opened by a command (Open Branch Set) loads after the command told it what to show.
          for (const [name, payload] of this.server.panelReplay()) void view.webview.postMessage({ type: 'notification', name, payload });
        }
        if (msg.type !== 'request' || !msg.method) return;
        try {
          const result = await this.server.request(msg.method, msg.params);
          void view.webview.postMessage({ type: 'response', id: msg.id, result });
        } catch (err) {
          const e = err as { code?: number; message: string; data?: unknown };
          void view.webview.postMessage({ type: 'response', id: msg.id, error: { code: e.code ?? -32603, message: e.message, data: e.data } });
        }
      }),
      this.server.onServerNotification((name, payload) => void view.webview.postMessage({ type: 'notification', name, payload })),
    ];
    view.onDidDispose(() => {
      clearTimeout(timer);
      subs.forEach((s) => s.dispose());
    });
  }
}
