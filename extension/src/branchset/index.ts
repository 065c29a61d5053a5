// The Branch-set area in the editor: "Agentora: Open Branch Set" picks a mission (or takes one as its argument,
// e.g. from the Missions view's title bar), reveals the Branch Set sidebar view and points it at that mission.
// The view learns the mission through a panel notification (agentora/branchset/didFocus); nothing is decided here.
import * as vscode from 'vscode';
import { M, N, type ServerController } from '../client';
import type { ExtensionArea } from '../area';
import { showCommandError } from '../errors';
import { BRANCHSET_COMMAND_IDS } from './ids';

export const BRANCHSET_FOCUS = N.missionsBranchSets.didFocus;

export const branchSetArea: ExtensionArea = {
  commandIds: BRANCHSET_COMMAND_IDS,
  activate(_context: vscode.ExtensionContext, server: ServerController): vscode.Disposable {
    const pickMission = async (): Promise<string | undefined> => {
      const items = (await server.call(M.missions.list, { limit: 200 })).items;
      if (!items.length)
        return void vscode.window.showInformationMessage('Agentora: no missions yet — prepare one first ("Agentora: Prepare Mission").');
      const chosen = await vscode.window.showQuickPick(
        items.map((m) => ({
          label: m.branch_label ?? m.mission_title,
          description: `${m.status} · ${m.repo}${m.lineage_depth ? ` · depth ${m.lineage_depth}` : ''}`,
          detail: m.run_id,
          id: m.run_id,
        })),
        {
          title: 'Open Branch Set: which mission?',
          placeHolder: 'Type to filter missions',
          matchOnDescription: true,
          matchOnDetail: true,
          ignoreFocusOut: true,
        },
      );
      return chosen?.id;
    };
    return vscode.commands.registerCommand('agentora.openBranchSet', async (arg?: unknown) => {
      try {
        const given = typeof arg === 'string' ? arg : (arg as { run_id?: unknown } | undefined)?.run_id;
        const runId = typeof given === 'string' ? given : await pickMission();
        if (!runId) return;
        // Focus resolves the view (and subscribes it to panel notifications) before the mission is sent to it.
        await vscode.commands.executeCommand('agentora.branchset.focus');
        server.notifyPanels(BRANCHSET_FOCUS, { run_id: runId });
      } catch (err) {
        await showCommandError(server, 'opening the branch set', err);
      }
    });
  },
};
