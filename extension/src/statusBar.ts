import * as vscode from 'vscode';
import type { ServerController, ServerState } from './client';

const LOOK: Record<ServerState, { text: string; tip: string }> = {
  starting: { text: '$(sync~spin) Agentora', tip: 'Agentora server is starting…' },
  ready: { text: '$(pulse) Agentora', tip: 'Agentora server is ready — click for details' },
  error: { text: '$(error) Agentora', tip: 'Agentora server failed — click for details' },
  stopped: { text: '$(circle-slash) Agentora', tip: 'Agentora server is stopped' },
};

export function createStatusBar(server: ServerController): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('agentora.status', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Agentora';
  item.command = 'agentora.showServerStatus';
  const paint = (s: ServerState) => {
    item.text = LOOK[s].text;
    item.tooltip = s === 'error' ? `${LOOK[s].tip}\n${server.lastError}` : LOOK[s].tip;
    item.backgroundColor = s === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  };
  paint(server.state);
  item.show();
  return vscode.Disposable.from(item, server.onState(paint));
}
