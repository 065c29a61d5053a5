// The Runs area in the editor: "Agentora: Open Run Report" picks a team run (newest first) and opens its Markdown
// report (GET /api/exports/run/{id}'s text) as a read-only agentora: document, refreshed while the run changes.
import * as vscode from 'vscode';
import { M, type ServerController } from '../client';
import type { ExtensionArea } from '../area';
import { runReportUri, showDoc } from '../docs';
import { showCommandError } from '../errors';
import { RUNS_COMMAND_IDS } from './ids';

export const runsArea: ExtensionArea = {
  commandIds: RUNS_COMMAND_IDS,
  activate(_context: vscode.ExtensionContext, server: ServerController): vscode.Disposable {
    const pickRun = async (): Promise<{ id: string; prompt: string } | undefined> => {
      const { items } = await server.call(M.runs.listRuns, { limit: 100, offset: 0 });
      if (!items.length) return void vscode.window.showInformationMessage('Agentora: no team runs yet — start one in the Runs view.');
      const chosen = await vscode.window.showQuickPick(
        items.map((r) => ({ label: r.prompt.slice(0, 80), description: `${r.status} · ${r.mode}`, detail: r.id, run: r })),
        {
          title: 'Open Run Report: which run?',
          placeHolder: 'Type to filter runs',
          matchOnDescription: true,
          matchOnDetail: true,
          ignoreFocusOut: true,
        },
      );
      return chosen?.run;
    };
    return vscode.commands.registerCommand('agentora.openRunReport', async (arg?: unknown) => {
      try {
        const run = typeof arg === 'string' ? { id: arg, prompt: arg } : await pickRun();
        if (run) await showDoc(runReportUri(run.id, run.prompt));
      } catch (err) {
        await showCommandError(server, 'opening the run report', err);
      }
    });
  },
};
