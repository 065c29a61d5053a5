// What an area (actions, memory, missions, …) plugs into the extension: its command ids and an activate function
// that registers their handlers, notifications and status-bar items. main.ts activates every area in `areas`.
import type * as vscode from 'vscode';
import type { ServerController } from './client';

export interface ExtensionArea {
  readonly commandIds: readonly string[];
  activate(context: vscode.ExtensionContext, server: ServerController): vscode.Disposable;
}
