// The Chat area in the editor: Ask About Selection / Ask About File (the selection or file goes with its path and
// language as the message's attachment, in a new session that the Chat view opens), New Chat, and Insert at
// Cursor (a code block's button in the Chat view asks the server, which notifies us; we edit the editor).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { M, N, type ServerController } from '../client';
import type { ExtensionArea } from '../area';
import { CHAT_COMMAND_IDS, type ChatCommandId } from './ids';

const MAX_ATTACHMENT = 200_000;

function relPath(uri: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder ? path.relative(folder.uri.fsPath, uri.fsPath) : uri.fsPath;
}

async function ask(server: ServerController, whole: boolean): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return void vscode.window.showWarningMessage('Agentora: open a file first.');
  const sel = editor.selection;
  if (!whole && sel.isEmpty) return void vscode.window.showWarningMessage('Agentora: select some code first (or use Ask About File).');
  const text = whole ? editor.document.getText() : editor.document.getText(sel);
  if (text.length > MAX_ATTACHMENT)
    return void vscode.window.showWarningMessage(
      `Agentora: that is ${text.length} characters; at most ${MAX_ATTACHMENT} can be sent. Select a part of it.`,
    );
  const file = relPath(editor.document.uri);
  const lines = whole ? undefined : { start_line: sel.start.line + 1, end_line: sel.end.line + 1 };
  const question = await vscode.window.showInputBox({
    title: whole
      ? `Agentora: Ask About ${path.basename(file)}`
      : `Agentora: Ask About ${path.basename(file)}:${lines!.start_line}-${lines!.end_line}`,
    prompt: 'Your question',
    value: whole ? 'Explain this file.' : 'Explain this code.',
    ignoreFocusOut: true,
  });
  if (!question?.trim()) return;
  const title = `${question.trim().slice(0, 40)} — ${path.basename(file)}${lines ? `:${lines.start_line}` : ''}`;
  const { session } = await server.call(M.chat.createSession, { title, memory_mode: 'read', system_prompt: '' });
  await vscode.commands.executeCommand('agentora.chat.focus');
  await server.call(M.chat.send, {
    session_id: session.session_id,
    content: question.trim(),
    attachment: { path: file, language: editor.document.languageId, text, ...lines },
  });
}

async function insertAtCursor(code: string): Promise<void> {
  // The Chat view has focus when its button is pressed, so the editor is the last active (or a visible) one.
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  if (!editor) return void vscode.window.showWarningMessage('Agentora: open an editor to insert the code into.');
  const ok = await editor.edit((eb) => eb.replace(editor.selection, code));
  if (!ok) void vscode.window.showWarningMessage('Agentora: the editor refused the insert (read-only?).');
}

export const chatArea: ExtensionArea = {
  commandIds: CHAT_COMMAND_IDS,
  activate(_context: vscode.ExtensionContext, server: ServerController): vscode.Disposable {
    const handlers: Record<ChatCommandId, () => Promise<unknown>> = {
      'agentora.chat.askAboutSelection': () => ask(server, false),
      'agentora.chat.askAboutFile': () => ask(server, true),
      'agentora.chat.newChat': async () => {
        await server.call(M.chat.createSession, { title: 'New chat', memory_mode: 'read', system_prompt: '' });
        await vscode.commands.executeCommand('agentora.chat.focus');
      },
    };
    const guarded = (fn: () => Promise<unknown>) => () => fn().catch((err: Error) => void vscode.window.showErrorMessage(`Agentora: ${err.message}`));
    return vscode.Disposable.from(
      ...CHAT_COMMAND_IDS.map((id) => vscode.commands.registerCommand(id, guarded(handlers[id]))),
      server.onNotification(N.chat.didRequestInsert, (p) => void insertAtCursor(p.code)),
    );
  },
};
