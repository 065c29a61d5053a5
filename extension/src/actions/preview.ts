// Details for a write: a diff of the current file against the proposed content, as two read-only virtual
// documents (agentora-action:/<id>/current/<name> and …/proposed/<name>) served from the server's preview.
import * as vscode from 'vscode';
import { M, type ServerController } from '../client';
import { PREVIEW_SCHEME } from './ids';
import type { ActionItem } from './types';

export class PreviewProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly server: ServerController) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, id, side] = uri.path.split('/');
    const p = await this.server.call(M.actions.preview, { id: Number(id) });
    if (p.kind === 'write') return side === 'current' ? p.current : p.proposed;
    if (p.kind === 'command') return `${p.display}\n\nexecutable: ${p.executable ?? '?'}\ncwd: ${p.cwd ?? '?'}\nargv:\n${p.argv.map((a, i) => `  [${i}] ${JSON.stringify(a)}`).join('\n')}\n`;
    return p.text;
  }
}

/** Show exactly what an action will do: a diff for writes, the full argv for commands, the params otherwise. */
export async function showDetails(server: ServerController, item: ActionItem): Promise<'Approve' | 'Deny' | undefined> {
  const p = await server.call(M.actions.preview, { id: item.id });
  if (p.kind === 'write') {
    const name = p.path.split('/').pop() || 'file';
    const left = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${item.id}/current/${name}` });
    const right = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${item.id}/proposed/${name}` });
    await vscode.commands.executeCommand('vscode.diff', left, right, `${name}: ${p.exists ? 'current' : '(new file)'} ↔ proposed by Agentora (action ${item.id})`, { preview: true });
    return undefined;
  }
  if (p.kind === 'command') {
    const pick = await vscode.window.showInformationMessage(
      `Agentora action ${item.id}: ${item.summary}`,
      { modal: true, detail: `Command (run without a shell):\n${p.display}\n\nExecutable: ${p.executable}\nIn: ${p.cwd}\n\nArguments:\n${p.argv.map((a, i) => `[${i}] ${JSON.stringify(a)}`).join('\n')}\n\n${item.approval_reason}` },
      'Approve',
      'Deny',
    );
    return pick;
  }
  // Read-only (never an Untitled buffer that asks to be saved): the same provider serves the text.
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${item.id}/details/action-${item.id}.md` }));
  await vscode.window.showTextDocument(doc, { preview: true });
  return undefined;
}
