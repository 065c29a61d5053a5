// Pending actions as editor notifications: a readable summary and Approve / Deny / Details, plus "Always allow
// <what>…" only where a remembered grant can apply (ask_once tools with something concrete to match).
// Every decision goes to the server (which decides and records); the extension only shows and relays.
import * as vscode from 'vscode';
import { M, type ServerController } from '../client';
import { showCommandError } from '../errors';
import { alwaysAllowLabel, grantTarget } from './always';
import { showDetails } from './preview';
import type { ActionItem } from './types';

const APPROVE = 'Approve';
const DENY = 'Deny';
const DETAILS = 'Details';

export class Approvals {
  /** Ids with a notification on screen (or already decided here), so one action raises one notification. */
  private readonly shown = new Set<number>();

  constructor(private readonly server: ServerController) {}

  async approve(item: ActionItem, remember?: 'session' | 'workspace'): Promise<void> {
    try {
      const done = await this.server.call(M.actions.approve, { id: item.id, reason: remember ? `approved in VS Code (always allow: ${remember})` : 'approved in VS Code', ...(remember ? { remember } : {}) });
      if (done.status === 'executed' && done.tool_name === 'browser_open_url' && done.scope_preview.urls[0]) {
        // The server opened it headless; the operator may also want to see it in their own browser.
        const url = done.scope_preview.urls[0];
        void vscode.window.showInformationMessage(`Agentora: done — ${done.summary}`, 'Open in Browser').then((pick) => pick && vscode.env.openExternal(vscode.Uri.parse(url)));
      } else if (done.status === 'executed') void vscode.window.showInformationMessage(`Agentora: done — ${done.summary}`);
      else void vscode.window.showErrorMessage(`Agentora: ${done.summary} failed: ${done.error ?? done.status}`);
    } catch (err) {
      void showCommandError(this.server, `approving action ${item.id}`, err);
    }
  }

  async deny(item: ActionItem, reason = 'denied in VS Code'): Promise<void> {
    try {
      await this.server.call(M.actions.deny, { id: item.id, reason });
      void vscode.window.showInformationMessage(`Agentora: denied — ${item.summary}`);
    } catch (err) {
      void showCommandError(this.server, `denying action ${item.id}`, err);
    }
  }

  /** Only offered where a grant can apply (alwaysAllowLabel); the pick names exactly what will be let through. */
  private async alwaysAllow(item: ActionItem): Promise<void> {
    const what = grantTarget(item);
    const scope = await vscode.window.showQuickPick(
      [
        { label: 'This session', description: 'until the Agentora server restarts', detail: what, scope: 'session' as const },
        { label: 'This workspace', description: 'for these workspace folders, until revoked in the Actions view', detail: what, scope: 'workspace' as const },
      ],
      { title: `Always allow ${item.tool_name} without asking — ${what}`, placeHolder: 'Remember this approval for…' },
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
    const always = alwaysAllowLabel(item);
    void vscode.window.showWarningMessage(msg, APPROVE, DENY, DETAILS, ...(always ? [always] : [])).then(async (pick) => {
      if (pick === APPROVE) return this.approve(item);
      if (pick === DENY) return this.deny(item);
      if (always && pick === always) return this.alwaysAllow(item);
      if (pick === DETAILS) {
        const decided = await showDetails(this.server, item).catch((err) => void showCommandError(this.server, `showing action ${item.id}`, err));
        if (decided === APPROVE) return this.approve(item);
        if (decided === DENY) return this.deny(item);
        return this.ask(item, true); // the operator still has to decide: bring the buttons back beside the diff
      }
      // Dismissed: it stays pending (status bar, Actions view, "Agentora: Approve Action…").
    });
  }
}
