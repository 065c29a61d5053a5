// Pending actions as editor notifications: a readable summary and Approve / Deny / Details / Always allow….
// Every decision goes to the server (which decides and records); the extension only shows and relays.
import * as vscode from 'vscode';
import type { ServerController } from '../client';
import { showDetails } from './preview';
import type { ActionItem } from './types';

const APPROVE = 'Approve';
const DENY = 'Deny';
const DETAILS = 'Details';
const ALWAYS = 'Always allow…';

export class Approvals {
  /** Ids with a notification on screen (or already decided here), so one action raises one notification. */
  private readonly shown = new Set<number>();

  constructor(private readonly server: ServerController) {}

  async approve(item: ActionItem, remember?: 'session' | 'workspace'): Promise<void> {
    try {
      const done = await this.server.request<ActionItem>('agentora/actions/approve', { id: item.id, reason: remember ? `approved in VS Code (always allow: ${remember})` : 'approved in VS Code', ...(remember ? { remember } : {}) });
      if (done.status === 'executed' && done.tool_name === 'browser_open_url' && done.scope_preview.urls[0]) {
        // The server opened it headless; the operator may also want to see it in their own browser.
        const url = done.scope_preview.urls[0];
        void vscode.window.showInformationMessage(`Agentora: done — ${done.summary}`, 'Open in Browser').then((pick) => pick && vscode.env.openExternal(vscode.Uri.parse(url)));
      } else if (done.status === 'executed') void vscode.window.showInformationMessage(`Agentora: done — ${done.summary}`);
      else void vscode.window.showErrorMessage(`Agentora: ${done.summary} failed: ${done.error ?? done.status}`);
    } catch (err) {
      void vscode.window.showErrorMessage(`Agentora: could not approve action ${item.id}: ${(err as Error).message}`);
    }
  }

  async deny(item: ActionItem, reason = 'denied in VS Code'): Promise<void> {
    try {
      await this.server.request('agentora/actions/deny', { id: item.id, reason });
      void vscode.window.showInformationMessage(`Agentora: denied — ${item.summary}`);
    } catch (err) {
      void vscode.window.showErrorMessage(`Agentora: could not deny action ${item.id}: ${(err as Error).message}`);
    }
  }

  private async alwaysAllow(item: ActionItem): Promise<void> {
    if (!item.can_remember) {
      const pick = await vscode.window.showWarningMessage(
        `${item.tool_name} always asks, so this approval cannot be remembered. Set "agentora.actions.toolDefaults" to ${item.tool_name}=ask_once, or add an allow rule in the Actions view.`,
        APPROVE,
      );
      if (pick === APPROVE) await this.approve(item);
      return;
    }
    const scope = await vscode.window.showQuickPick(
      [
        { label: 'This session', description: 'until the Agentora server restarts', scope: 'session' as const },
        { label: 'This workspace', description: 'for these workspace folders, until revoked in the Actions view', scope: 'workspace' as const },
      ],
      { title: `Always allow: ${item.summary}`, placeHolder: 'Remember this approval for…' },
    );
    if (scope) await this.approve(item, scope.scope);
    else this.ask(item, true);
  }

  /** Raise the notification for a pending action (once per action unless `again`). */
  ask(item: ActionItem, again = false): void {
    if (item.status !== 'pending' || (this.shown.has(item.id) && !again)) return;
    this.shown.add(item.id);
    const who = item.agent_id ? `Agent ${item.agent_id}` : 'An agent';
    const msg = `${who} wants to ${item.summary}. ${item.approval_reason}.`;
    void vscode.window.showWarningMessage(msg, APPROVE, DENY, DETAILS, ALWAYS).then(async (pick) => {
      if (pick === APPROVE) return this.approve(item);
      if (pick === DENY) return this.deny(item);
      if (pick === ALWAYS) return this.alwaysAllow(item);
      if (pick === DETAILS) {
        const decided = await showDetails(this.server, item).catch((err) => void vscode.window.showErrorMessage(`Agentora: ${(err as Error).message}`));
        if (decided === APPROVE) return this.approve(item);
        if (decided === DENY) return this.deny(item);
        return this.ask(item, true); // the operator still has to decide: bring the buttons back beside the diff
      }
      // Dismissed: it stays pending (status bar, Actions view, "Agentora: Approve Action…").
    });
  }
}
