// The Actions area in the editor: its commands, notifications and status. Registered by extension/src/main.ts.
import * as vscode from 'vscode';
import type { ServerController } from '../client';
import type { ExtensionArea } from '../area';
import { ACTIONS_COMMAND_IDS } from './ids';

export const actionsArea: ExtensionArea = {
  commandIds: ACTIONS_COMMAND_IDS,
  activate(_context: vscode.ExtensionContext, _server: ServerController): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  },
};
