// The Actions area in the editor: approvals as notifications, a status-bar count of pending approvals, the
// approve/deny commands, the diff provider for Details, and the workspace folders the policy uses as roots.
import * as vscode from 'vscode';
import { M, type ServerController } from '../client';
import { guarded } from '../errors';
import type { ExtensionArea } from '../area';
import { Approvals } from './approvals';
import { ACTIONS_COMMAND_IDS, PREVIEW_SCHEME, type ActionsCommandId } from './ids';
import { PreviewProvider } from './preview';
import { didChange } from '../../../server/src/protocol/actions';
import type { ActionItem, DidChange } from './types';

function workspaceFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

async function pickPending(server: ServerController, verb: string): Promise<ActionItem | undefined> {
  const { items } = await server.call(M.actions.listPending, { limit: 200 });
  if (!items.length) {
    void vscode.window.showInformationMessage('Agentora: no actions are waiting for approval.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    items.map((i) => ({ label: `#${i.id} ${i.summary}`, description: i.agent_id ?? '', detail: i.approval_reason, item: i })),
    { title: `${verb} which action?`, matchOnDetail: true },
  );
  return pick?.item;
}

export const actionsArea: ExtensionArea = {
  commandIds: ACTIONS_COMMAND_IDS,
  activate(_context: vscode.ExtensionContext, server: ServerController): vscode.Disposable {
    const approvals = new Approvals(server);
    const status = vscode.window.createStatusBarItem('agentora.actions.pending', vscode.StatusBarAlignment.Left, 49);
    status.name = 'Agentora pending approvals';
    status.command = 'agentora.actions.showPending';
    const paint = (n: number) => {
      status.text = `$(shield) ${n}`;
      status.tooltip = n === 1 ? '1 Agentora action waits for approval — click to open the Actions view' : `${n} Agentora actions wait for approval — click to open the Actions view`;
      status.backgroundColor = n > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      status.show();
    };

    const sync = async () => {
      await server.call(M.actions.setWorkspaceFolders, { folders: workspaceFolders() });
      const { items, total } = await server.call(M.actions.listPending, { limit: 20 });
      paint(total);
      items.forEach((i) => approvals.ask(i));
    };
    const syncSafely = () => void sync().catch((err) => server.output.warn(`actions: ${(err as Error).message}`));

    const handlers: Record<ActionsCommandId, () => unknown> = {
      'agentora.actions.showPending': () => vscode.commands.executeCommand('agentora.actions.focus'),
      'agentora.actions.approve': async () => {
        const item = await pickPending(server, 'Approve');
        if (item) await approvals.approve(item);
      },
      'agentora.actions.deny': async () => {
        const item = await pickPending(server, 'Deny');
        if (!item) return;
        const reason = await vscode.window.showInputBox({ title: `Deny: ${item.summary}`, prompt: 'Reason (optional, kept in the audit log)' });
        if (reason !== undefined) await approvals.deny(item, reason || 'denied in VS Code');
      },
    };

    const titles: Record<ActionsCommandId, string> = {
      'agentora.actions.showPending': 'Show Pending Approvals',
      'agentora.actions.approve': 'Approve Action',
      'agentora.actions.deny': 'Deny Action',
    };
    if (server.state === 'ready') syncSafely();
    return vscode.Disposable.from(
      status,
      ...ACTIONS_COMMAND_IDS.map((id) => vscode.commands.registerCommand(id, guarded(server, titles[id], handlers[id]))),
      vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, new PreviewProvider(server)),
      server.onState((s) => (s === 'ready' ? syncSafely() : status.hide())),
      vscode.workspace.onDidChangeWorkspaceFolders(() => server.state === 'ready' && syncSafely()),
      server.onServerNotification((name, payload) => {
        if (name !== didChange.name) return;
        const p = payload as DidChange;
        paint(p.pending_count);
        if (p.action?.status === 'pending') approvals.ask(p.action);
      }),
    );
  },
};
