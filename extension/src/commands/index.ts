import * as vscode from 'vscode';
import type { ServerController } from '../client';
import { SECRET_KEYS } from '../config';
import { COMMAND_IDS, type CommandId } from './ids';

export function registerCommands(server: ServerController, context: vscode.ExtensionContext): vscode.Disposable {
  const handlers: Record<CommandId, () => unknown> = {
    'agentora.showSystemDoctor': async () => {
      await vscode.commands.executeCommand('agentora.system.focus');
      await server.request('agentora/system/doctor', {}); // the panel refreshes from the didFinishDoctor notification
    },
    'agentora.runBootstrap': () =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Agentora: bootstrapping…' }, async () => {
        const r = await server.request<{ status: string; report: { steps: { step: string; status: string }[] } }>('agentora/system/bootstrap', { auto_fix: true });
        void vscode.window.showInformationMessage(`Agentora bootstrap: ${r.status} (${r.report.steps.map((s) => `${s.step} ${s.status}`).join(', ')})`);
      }),
    'agentora.restartServer': () => server.restart(),
    'agentora.showLogs': () => server.output.show(),
    'agentora.showServerStatus': async () => {
      const detail = server.state === 'ready' ? await server.request<{ http_url: string | null; data_dir: string }>('agentora/system/connectionInfo', {}) : null;
      const startup = server.readyAt.ready ? ` (started ${server.readyAt.ready - server.readyAt.activation} ms after activation)` : '';
      const msg = server.state === 'ready' ? `Agentora server ready${startup}. HTTP: ${detail?.http_url ?? 'off'} · data: ${detail?.data_dir}` : `Agentora server ${server.state}. ${server.lastError}`;
      const pick = await vscode.window.showInformationMessage(msg, 'Show Logs', 'Restart');
      if (pick === 'Show Logs') server.output.show();
      if (pick === 'Restart') await server.restart();
    },
    // API keys live only in SecretStorage (never in settings files); the server gets them on its next start.
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
      const again = await vscode.window.showInformationMessage(`${pick.label} ${value ? 'saved in SecretStorage' : 'removed'}. Restart the Agentora server to apply it.`, 'Restart Server');
      if (again) await server.restart();
    },
    'agentora.openStudioInBrowser': async () => {
      const info = await server.request<{ studio_url: string | null; http_error: string | null }>('agentora/system/connectionInfo', {});
      if (!info.studio_url) return void vscode.window.showErrorMessage(`Agentora HTTP API is not running: ${info.http_error ?? 'disabled'}`);
      await vscode.env.openExternal(vscode.Uri.parse(info.studio_url));
    },
  };
  return vscode.Disposable.from(...COMMAND_IDS.map((id) => vscode.commands.registerCommand(id, handlers[id])));
}
