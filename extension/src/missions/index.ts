// The Missions area in the editor: command-palette mission actions (quick picks and input boxes), a
// notification when a watched mission finishes (Open / Write Back), and Markdown views of a mission and a
// compare. Everything is decided by the server; this only asks, shows and routes. Multi-step inputs keep their
// focus (ignoreFocusOut): a webview that loads meanwhile must not cancel the step the operator is on.
import * as vscode from 'vscode';
import { M, N, type ServerController } from '../client';
import type { ExtensionArea } from '../area';
import { didFinish, type MissionSummary, type launch as launchMethod } from '../../../server/src/protocol/missions';
import type { ResultOf } from '../../../server/src/protocol/define';
import type { z } from 'zod';
import { isLaunchable } from '../../../server/src/services/missions/stateMachine';
import { compareUri, missionUri, showDoc } from '../docs';
import { guarded, showCommandError } from '../errors';
import { MISSIONS_COMMAND_IDS, MISSIONS_COMMANDS, type MissionsCommandId } from './ids';

const REPO = /^[\w.-]+\/[\w.-]+$/;

type LaunchResult = ResultOf<typeof launchMethod>;
type DidFinish = z.infer<typeof didFinish.payload>;

export const missionsArea: ExtensionArea = {
  commandIds: MISSIONS_COMMAND_IDS,
  activate(context: vscode.ExtensionContext, server: ServerController): vscode.Disposable {
    const list = async (filter: (m: MissionSummary) => boolean): Promise<MissionSummary[]> =>
      (await server.call(M.missions.list, { limit: 200 })).items.filter(filter);

    const pick = async (title: string, filter: (m: MissionSummary) => boolean, empty: string): Promise<MissionSummary | undefined> => {
      const items = await list(filter);
      if (!items.length) return void vscode.window.showInformationMessage(`Agentora: ${empty}`);
      const chosen = await vscode.window.showQuickPick(
        items.map((m) => ({
          label: m.mission_title,
          description: `${m.status} · ${m.repo}`,
          detail: `${m.run_id}${m.pr_url ? ` · ${m.pr_url}` : ''}`,
          mission: m,
        })),
        { title, placeHolder: 'Type to filter missions', matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true },
      );
      return chosen?.mission;
    };

    const openMission = async (runId: string, title?: string) => {
      const name = title ?? (await server.call(M.missions.get, { run_id: runId })).run.mission_title;
      await showDoc(missionUri(runId, name));
    };

    const writeback = async (runId: string, title: string) => {
      const notes = await vscode.window.showInputBox({
        ignoreFocusOut: true,
        title: `Write back "${title}"`,
        prompt: 'Operator notes (optional)',
        placeHolder: 'What should PhiOS remember about this outcome?',
      });
      if (notes === undefined) return;
      const r = await server.call(M.missions.writeback, { run_id: runId, operator_notes: notes, tags: [] });
      if (r.ok) void vscode.window.showInformationMessage(`Agentora: "${title}" written back to PhiOS.`);
      else
        void vscode.window.showErrorMessage(
          `Agentora: writeback of "${title}" failed: ${r.writeback.message}${r.writeback.fix_hint ? ` — Fix: ${r.writeback.fix_hint}` : ''}`,
        );
    };

    const showLaunch = async (r: LaunchResult) => {
      if (!r.ok)
        return void vscode.window.showErrorMessage(
          `Agentora: launch of "${r.run.mission_title}" failed: ${r.error}${r.fix_hint ? ` — Fix: ${r.fix_hint}` : ''}`,
        );
      if (r.run.status === 'dry_run')
        return void vscode.window.showInformationMessage(`Agentora: "${r.run.mission_title}" dry run recorded (AgentCeption was not called).`);
      const status = await server.call(M.missions.status, {}).catch(() => null);
      const next = status?.watcher.enabled
        ? 'Watching it in the background.'
        : 'The background watcher is off (agentora.missions.watcherEnabled): run "Agentora: Refresh Mission" to follow it.';
      void vscode.window.showInformationMessage(
        `Agentora: "${r.run.mission_title}" launched (${r.run.job_id}${r.run.branch ? ` on ${r.run.branch}` : ''}). ${next}`,
      );
    };

    const launch = async (runId: string) => {
      const criteria = await vscode.window.showInputBox({
        ignoreFocusOut: true,
        title: 'Acceptance criteria',
        prompt: 'Separate several with ";" (optional)',
        placeHolder: 'e.g. tests pass; the login redirects to the dashboard',
      });
      if (criteria === undefined) return;
      const mode = await vscode.window.showQuickPick(
        [
          { label: 'Launch', description: 'start the job on AgentCeption', dry: false },
          { label: 'Dry run', description: 'record what would be sent, call nothing', dry: true },
        ],
        { title: 'Launch mode', ignoreFocusOut: true },
      );
      if (!mode) return;
      const acceptance = criteria
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean);
      const r = await server.call(M.missions.launch, {
        run_id: runId,
        dry_run: mode.dry,
        ...(acceptance.length ? { acceptance_criteria: acceptance } : {}),
      });
      await showLaunch(r);
      await vscode.commands.executeCommand('agentora.missions.focus');
    };

    const titleOf = Object.fromEntries(MISSIONS_COMMANDS.map((c) => [c.command, c.title])) as Record<MissionsCommandId, string>;

    let lastRepo = context.workspaceState.get<string>('agentora.missions.lastRepo', '');
    const handlers: Record<MissionsCommandId, () => Promise<unknown>> = {
      'agentora.missions.prepare': async () => {
        const repo = await vscode.window.showInputBox({
          ignoreFocusOut: true,
          title: 'Prepare Mission (1/4): repository',
          prompt: 'owner/repo on GitHub',
          value: lastRepo,
          validateInput: (v) => (REPO.test(v.trim()) ? null : 'Expected "owner/repo"'),
        });
        if (!repo) return;
        const title = await vscode.window.showInputBox({
          ignoreFocusOut: true,
          title: 'Prepare Mission (2/4): title',
          validateInput: (v) => (v.trim() ? null : 'A title is required'),
        });
        if (!title) return;
        const objective = await vscode.window.showInputBox({
          ignoreFocusOut: true,
          title: 'Prepare Mission (3/4): objective',
          prompt: 'What should the agent achieve?',
          validateInput: (v) => (v.trim() ? null : 'An objective is required'),
        });
        if (!objective) return;
        const persona = await vscode.window.showInputBox({
          ignoreFocusOut: true,
          title: 'Prepare Mission (4/4): persona id',
          prompt: 'PhiOS persona (e.g. default, skeptic_reviewer, rapid_builder)',
          value: 'default',
        });
        if (persona === undefined) return;
        lastRepo = repo.trim();
        await context.workspaceState.update('agentora.missions.lastRepo', lastRepo);
        const r = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'Agentora: preparing mission context…' },
          () =>
            server.call(M.missions.prepare, {
              repo: repo.trim(),
              mission_title: title.trim(),
              objective: objective.trim(),
              persona_id: persona.trim() || 'default',
            }),
        );
        await vscode.commands.executeCommand('agentora.missions.focus');
        const next = await vscode.window.showInformationMessage(
          `Agentora: mission "${r.run.mission_title}" prepared (${r.run.context_packet.memory_snippets.length} memory snippets, persona ${r.run.context_packet.persona.name}).`,
          'Launch',
          'Open',
        );
        if (next === 'Launch') await launch(r.run_id);
        if (next === 'Open') await openMission(r.run_id, r.run.mission_title);
      },
      'agentora.missions.launch': async () => {
        const m = await pick(
          'Launch Mission',
          (x) => isLaunchable(x.status),
          'no prepared mission to launch — run "Agentora: Prepare Mission" first.',
        );
        if (m) await launch(m.run_id);
      },
      'agentora.missions.refresh': async () => {
        const m = await pick('Refresh Mission', (x) => x.job_id !== null, 'no launched mission to refresh.');
        if (!m) return;
        const r = await server.call(M.missions.refresh, { run_id: m.run_id });
        if (r.ok)
          void vscode.window.showInformationMessage(`Agentora: "${m.mission_title}" is ${r.run.status}${r.run.pr_url ? ` — ${r.run.pr_url}` : ''}.`);
        else
          void vscode.window.showErrorMessage(
            `Agentora: refresh of "${m.mission_title}" failed: ${r.error}${r.fix_hint ? ` — Fix: ${r.fix_hint}` : ''}`,
          );
      },
      'agentora.missions.writeback': async () => {
        const m = await pick('Write Back Mission', (x) => x.job_id !== null, 'no launched mission to write back.');
        if (m) await writeback(m.run_id, m.mission_title);
      },
      'agentora.missions.open': async () => {
        const m = await pick('Open Mission', () => true, 'no missions yet — run "Agentora: Prepare Mission".');
        if (m) await openMission(m.run_id, m.mission_title);
      },
      'agentora.missions.compare': async () => {
        const left = await pick('Compare Missions (1/2): left', () => true, 'no missions to compare.');
        if (!left) return;
        const right = await pick('Compare Missions (2/2): right', (x) => x.run_id !== left.run_id, 'only one mission: nothing to compare it with.');
        if (!right) return;
        await showDoc(compareUri(left.run_id, right.run_id));
      },
    };

    const onFinish = server.onServerNotification(async (name, payload) => {
      if (name !== didFinish.name) return;
      const p = payload as DidFinish;
      if (!p.was_watched) return;
      const text = `Agentora: mission "${p.mission_title}" ${p.status}${p.pr_url ? ` — ${p.pr_url}` : ''}.`;
      const show = p.status === 'succeeded' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
      const choice = await show(text, 'Open', 'Write Back');
      if (choice === 'Open') await openMission(p.run_id, p.mission_title).catch((err) => showCommandError(server, 'Open Mission', err));
      if (choice === 'Write Back') await writeback(p.run_id, p.mission_title).catch((err) => showCommandError(server, 'Write Back Mission', err));
    });

    // High-risk alerts (heuristic): raised once per mission by the server's alert outbox.
    const onAlert = server.onNotification(N.missionsObservability.didAlert, async (p) => {
      if (p.alert_type !== 'high_risk') return;
      const choice = await vscode.window.showWarningMessage(`Agentora: ${p.message}`, 'Open');
      if (choice === 'Open') await openMission(p.run_id).catch((err) => showCommandError(server, 'Open Mission', err));
    });

    return vscode.Disposable.from(
      onFinish,
      onAlert,
      ...MISSIONS_COMMAND_IDS.map((id) => vscode.commands.registerCommand(id, guarded(server, titleOf[id], handlers[id]))),
    );
  },
};
