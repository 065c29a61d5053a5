// activate/deactivate only: everything else lives in its own module.
import * as vscode from 'vscode';
import { ServerController } from './client';
import { showCommandError } from './errors';
import { AgentoraDocs } from './docs';
import { LogBuffer, recordingChannel } from './logBuffer';
import { registerCommands } from './commands';
import { createStatusBar } from './statusBar';
import { PanelView } from './webviews/panelView';
import { actionsArea } from './actions';
import { memoryArea } from './memory';
import { missionsArea } from './missions';
import { chatArea } from './chat';
import { branchSetArea } from './branchset';
import { runsArea } from './runs';

/** Sidebar webview views (package.json `contributes.views`: the Agentora, Agentora Missions and Agentora Chat containers) → the panel each one shows. */
const PANELS = ['system', 'missions', 'actions', 'memory', 'chat', 'branchset', 'runs', 'workflows', 'personas', 'audit', 'workers'] as const;
const AREAS = [actionsArea, memoryArea, missionsArea, chatArea, branchSetArea, runsArea];

let server: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const logs = new LogBuffer();
  const output = recordingChannel(vscode.window.createOutputChannel('Agentora', { log: true }), logs);
  server = new ServerController(context, output);
  context.subscriptions.push(
    output,
    server,
    createStatusBar(server),
    new AgentoraDocs(server, logs), // read-only agentora: documents (Open Mission, Compare Missions, Search Memory, Show Logs)
    registerCommands(server, context),
    ...PANELS.map((p) => vscode.window.registerWebviewViewProvider(`agentora.${p}`, new PanelView(context.extensionUri, p, server!))),
    ...AREAS.map((a) => a.activate(context, server!)),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('agentora') || !server) return;
      // The runtime and the HTTP address are fixed for a server's lifetime; everything else applies live.
      if (
        e.affectsConfiguration('agentora.server.runtime') ||
        e.affectsConfiguration('agentora.server.host') ||
        e.affectsConfiguration('agentora.server.port') ||
        e.affectsConfiguration('agentora.server.httpEnabled')
      ) {
        const pick = await vscode.window.showInformationMessage(
          'Agentora: the server runtime or HTTP address changed; it applies when the server restarts.',
          'Restart Server',
        );
        if (pick) return server.restart();
      }
      await server.pushSettings().catch((err) => showCommandError(server!, 'applying the changed settings', err));
    }),
  );
  void server.start(); // never block activation on the server; the status bar shows progress
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
}
