// The Memory area in the editor: Search Memory (a quick pick over ranked results), Add Memory from Selection,
// Run Memory Maintenance (with a progress notification). Registered by extension/src/main.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { M, type ServerController } from '../client';
import type { ExtensionArea } from '../area';
import { memoryUri, showDoc } from '../docs';
import { guarded } from '../errors';
import { MEMORY_COMMAND_IDS, type MemoryCommandId } from './ids';
import { runMaintenance } from './maintenance';

async function searchMemory(server: ServerController): Promise<void> {
  const query = await vscode.window.showInputBox({ title: 'Agentora: Search Memory', prompt: 'What are you looking for?', ignoreFocusOut: true });
  if (!query?.trim()) return;
  const r = await server.call(M.memory.search, { query, top_k: 20 });
  if (!r.items.length) return void vscode.window.showInformationMessage(`Agentora: no memory matches "${query}".`);
  const pick = await vscode.window.showQuickPick(
    r.items.map((i) => ({
      label: `#${i.capsule_id} ${i.text.replace(/\s+/g, ' ').slice(0, 120)}`,
      description: `${i.layer} · ${i.source} · score ${i.score.toFixed(3)}${i.conflict_flag ? ' · in a conflict' : ''}`,
      detail: i.admission_reason,
      item: i,
    })),
    { title: `Memories for "${query}" (${r.items.length}, ${r.took_ms} ms, ${r.vector_used ? 'text + embeddings' : 'text only'})`, matchOnDescription: true, matchOnDetail: true },
  );
  if (pick) await showDoc(memoryUri(pick.item.capsule_id));
}

async function addFromSelection(server: ServerController): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const text = editor?.document.getText(editor.selection).trim();
  if (!editor || !text) return void vscode.window.showWarningMessage('Agentora: select the text to remember first.');
  const folder = vscode.workspace.getWorkspaceFolder(editor.document.uri);
  const rel = folder ? path.relative(folder.uri.fsPath, editor.document.uri.fsPath) : editor.document.uri.fsPath;
  const { start, end } = editor.selection;
  const r = await server.call(M.memory.create, {
    text: text.slice(0, 20000),
    source: 'operator',
    source_ref: `${rel}:${start.line + 1}-${end.line + 1}`,
    ...(folder ? { repo: folder.name } : {}),
  });
  void vscode.window.showInformationMessage(
    `Agentora: remembered as memory #${r.capsule.capsule_id}${r.duplicate_of ? ` (same text as #${r.duplicate_of}: a duplicate proposal awaits review)` : ''}.`,
  );
}

export const memoryArea: ExtensionArea = {
  commandIds: MEMORY_COMMAND_IDS,
  activate(_context: vscode.ExtensionContext, server: ServerController): vscode.Disposable {
    const handlers: Record<MemoryCommandId, () => Promise<void>> = {
      'agentora.searchMemory': () => searchMemory(server),
      'agentora.addMemoryFromSelection': () => addFromSelection(server),
      'agentora.runMemoryMaintenance': () => runMaintenance(server),
    };
    const titles: Record<MemoryCommandId, string> = {
      'agentora.searchMemory': 'Search Memory',
      'agentora.addMemoryFromSelection': 'Add Memory from Selection',
      'agentora.runMemoryMaintenance': 'Memory maintenance',
    };
    return vscode.Disposable.from(...MEMORY_COMMAND_IDS.map((id) => vscode.commands.registerCommand(id, guarded(server, titles[id], handlers[id]))));
  },
};
