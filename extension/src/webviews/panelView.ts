// One host class for every panel: serves the shared webview bundle with a nonce CSP, relays requests to the
// server and forwards server notifications to the panel.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ServerController } from '../client';

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
    const nonce = randomBytes(16).toString('base64');
    const asset = (p: string) => view.webview.asWebviewUri(vscode.Uri.joinPath(root, p)).toString();
    const csp = `default-src 'none'; img-src ${view.webview.cspSource} data:; font-src ${view.webview.cspSource}; style-src ${view.webview.cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';`;
    view.webview.html = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="${asset('codicons/codicon.css')}" id="vscode-codicon-stylesheet"><link rel="stylesheet" href="${asset('main.css')}"></head>
<body data-host="vscode" data-panel="${this.panel}"><div id="app"></div><script nonce="${nonce}" src="${asset('main.js')}"></script></body></html>`;
    const subs = [
      view.webview.onDidReceiveMessage(async (msg: { type: string; id?: number; method?: string; params?: unknown }) => {
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
    view.onDidDispose(() => subs.forEach((s) => s.dispose()));
  }
}
