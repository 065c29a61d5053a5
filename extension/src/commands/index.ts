import * as vscode from 'vscode';
import { M, type ServerController } from '../client';
import { SECRET_KEYS } from '../config';
import { logsUri, showDoc } from '../docs';
import { guarded } from '../errors';
import { COMMAND_IDS, type CommandId } from './ids';
import { openStudio } from './studio';

export function registerCommands(server: ServerController, context: vscode.ExtensionContext): vscode.Disposable {
  const handlers: Record<CommandId, () => unknown> = {
    'agentora.showSystemDoctor': async () => {
      await vscode.commands.executeCommand('agentora.system.focus');
      await server.call(M.system.doctor, {}); // the panel refreshes from the didFinishDoctor notification
    },
    'agentora.runBootstrap': () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Agentora: bootstrapping…' }, async () => {
        const r = await server.call(M.system.bootstrap, { auto_fix: true });
        void vscode.window.showInformationMessage(`Agentora bootstrap: ${r.status} (${r.report.steps.map((s) => `${s.step} ${s.status}`).join(', ')})`);
      }),
    'agentora.restartServer': () => server.restart(),
    // The log as a live read-only document (it does not depend on the editor's file-backed output channels),
    // and the output channel beside it.
    'agentora.showLogs': async () => {
      await showDoc(logsUri);
      server.output.show(true);
    },
    'agentora.showServerStatus': async () => {
      const detail = server.state === 'ready' ? await server.call(M.system.connectionInfo, {}) : null;
      const startup = server.readyAt.ready ? ` (started ${server.readyAt.ready - server.readyAt.activation} ms after activation)` : '';
      const msg = server.state === 'ready' ? `Agentora server ready${startup}. HTTP: ${detail?.http_url ?? 'off'} · data: ${detail?.data_dir}` : `Agentora server ${server.state}. ${server.lastError}`;
      const pick = await vscode.window.showInformationMessage(msg, 'Show Logs', 'Restart');
      if (pick === 'Show Logs') await vscode.commands.executeCommand('agentora.showLogs');
      if (pick === 'Restart') await server.restart();
    },
    // API keys live only in SecretStorage (never in settings files); they are sent to the running server at once.
    'agentora.setSecret': async () => {
      const labels: Record<(typeof SECRET_KEYS)[number], string> = {
        'phios.apiKey': 'PhiOS API key (http transport)',
        'agentception.apiKey': 'AgentCeption API key',
        'missions.mcpApiKey': 'Key outside tools must send to the Agentora MCP endpoint',
        'missions.exportSigningKey': 'Signing key for mission exports',
      };
      const items = await Promise.all(
        SECRET_KEYS.map(async (key) => ({ key, label: labels[key], description: (await context.secrets.get(`agentora.${key}`)) ? 'set' : 'not set' })),
      );
      const pick = await vscode.window.showQuickPick(items, { title: 'Agentora: which key?' });
      if (!pick) return;
      const value = await vscode.window.showInputBox({ title: pick.label, prompt: 'Leave empty to remove the key.', password: true, ignoreFocusOut: true });
      if (value === undefined) return;
      if (value) await context.secrets.store(`agentora.${pick.key}`, value);
      else await context.secrets.delete(`agentora.${pick.key}`);
      await server.pushSettings();
      void vscode.window.showInformationMessage(`${pick.label} ${value ? 'saved in SecretStorage' : 'removed'}${server.state === 'ready' ? ' and applied' : ''}.`);
    },
    'agentora.openStudioInBrowser': () => openStudio(server),
  };
  const titles: Record<CommandId, string> = {
    'agentora.showSystemDoctor': 'the system doctor',
    'agentora.runBootstrap': 'bootstrap',
    'agentora.restartServer': 'restarting the server',
    'agentora.showLogs': 'showing the logs',
    'agentora.showServerStatus': 'the server status',
    'agentora.setSecret': 'saving the key',
    'agentora.openStudioInBrowser': 'opening the studio',
  };
  return vscode.Disposable.from(...COMMAND_IDS.map((id) => vscode.commands.registerCommand(id, guarded(server, titles[id], handlers[id]))));
}
