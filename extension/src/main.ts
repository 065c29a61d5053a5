// activate/deactivate only: everything else lives in its own module.
import * as vscode from 'vscode';
import { ServerController } from './client';
import { registerCommands } from './commands';
import { createStatusBar } from './statusBar';
import { PanelView } from './webviews/panelView';
import { actionsArea } from './actions';
import { memoryArea } from './memory';
import { missionsArea } from './missions';
import { chatArea } from './chat';

/** Sidebar webview views (package.json `contributes.views.agentora`) → the panel each one shows. */
const PANELS = ['system', 'missions', 'actions', 'memory', 'chat'] as const;
const AREAS = [actionsArea, memoryArea, missionsArea, chatArea];

let server: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Agentora', { log: true });
  server = new ServerController(context, output);
  context.subscriptions.push(
    output,
    server,
    createStatusBar(server),
    registerCommands(server, context),
    ...PANELS.map((p) => vscode.window.registerWebviewViewProvider(`agentora.${p}`, new PanelView(context.extensionUri, p, server!))),
    ...AREAS.map((a) => a.activate(context, server!)),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('agentora') || server?.state !== 'ready') return;
      if (e.affectsConfiguration('agentora.server')) {
        const pick = await vscode.window.showInformationMessage('Agentora server settings changed.', 'Restart Server');
        if (pick) await server.restart();
      }
    }),
  );
  void server.start(); // never block activation on the server; the status bar shows progress
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
}
