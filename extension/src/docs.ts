// Read-only views the commands open — a mission (Open Mission), a compare (Compare Missions), a memory (Search
// Memory) — as virtual documents of the `agentora:` scheme, rendered from the server at each read. They are never
// "Untitled", never dirty, never ask to be saved, and they refresh when the server says what they show changed
// (missions/didChange, memory/didChange). Show Logs opens agentora:/logs/… (the log buffer, live). URIs: agentora:/mission/<run_id>/<name>.md,
// agentora:/compare/<left>/<right>/<name>.md, agentora:/memory/<id>/<name>.md (the .md makes them Markdown).
import * as vscode from 'vscode';
import { memory, missions, runsLive } from '../../server/src/protocol';
import { M, type ServerController } from './client';
import type { LogBuffer } from './logBuffer';
import { compareMarkdown, memoryMarkdown, missionMarkdown } from './missions/render';

export const DOC_SCHEME = 'agentora';

const fileName = (title: string) =>
  `${
    title
      .replace(/[\\/:*?"<>|#%]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 60) || 'agentora'
  }.md`;

export const missionUri = (runId: string, title: string) =>
  vscode.Uri.from({ scheme: DOC_SCHEME, path: `/mission/${encodeURIComponent(runId)}/${fileName(`Mission ${title}`)}` });
export const compareUri = (left: string, right: string) =>
  vscode.Uri.from({ scheme: DOC_SCHEME, path: `/compare/${encodeURIComponent(left)}/${encodeURIComponent(right)}/${fileName('Compare missions')}` });
export const logsUri = vscode.Uri.from({ scheme: DOC_SCHEME, path: '/logs/Agentora log.log' });
export const runReportUri = (id: string, prompt: string) =>
  vscode.Uri.from({ scheme: DOC_SCHEME, path: `/run/${encodeURIComponent(id)}/${fileName(`Run ${prompt}`)}` });
export const memoryUri = (id: number) => vscode.Uri.from({ scheme: DOC_SCHEME, path: `/memory/${id}/${fileName(`Memory ${id}`)}` });

function parts(uri: vscode.Uri): string[] {
  return uri.path.split('/').slice(1).map(decodeURIComponent);
}

export class AgentoraDocs implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subs: vscode.Disposable[];

  constructor(
    private readonly server: ServerController,
    private readonly logs?: LogBuffer,
  ) {
    this.subs = [
      ...(logs ? [logs.onDidChange(() => this.changed.fire(logsUri))] : []),
      vscode.workspace.registerTextDocumentContentProvider(DOC_SCHEME, this),
      server.onServerNotification((name, payload) => {
        if (name === missions.didChange.name || name === missions.didFinish.name) {
          const runId = (payload as { run_id: string }).run_id;
          this.refresh((kind, ids) => (kind === 'mission' || kind === 'compare') && ids.includes(runId));
        }
        // A run report follows its run (status changes, steps), not every token.
        if (name === runsLive.didChange.name && (payload as { kind: string }).kind !== 'token') {
          const runId = (payload as { run_id: string }).run_id;
          this.refresh((kind, ids) => kind === 'run' && ids[0] === runId);
        }
        if (name === memory.didChange.name) {
          const ids = (payload as { capsule_ids: number[] }).capsule_ids.map(String);
          this.refresh((kind, docIds) => kind === 'memory' && (ids.length === 0 || ids.includes(docIds[0]!)));
        }
      }),
      // After a restart everything may have changed.
      server.onState((s) => s === 'ready' && this.refresh(() => true)),
    ];
  }

  /** Tell VS Code to re-read the open documents whose kind and ids match. */
  private refresh(match: (kind: string, ids: string[]) => boolean): void {
    for (const d of vscode.workspace.textDocuments) {
      if (d.uri.scheme !== DOC_SCHEME) continue;
      const [kind = '', ...rest] = parts(d.uri);
      if (match(kind, rest.slice(0, -1))) this.changed.fire(d.uri);
    }
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [kind, a = '', b = ''] = parts(uri);
    if (kind === 'logs') return this.logs?.text() ?? '';
    try {
      if (kind === 'mission') {
        const [{ run }, { events }] = await Promise.all([
          this.server.call(M.missions.get, { run_id: a }),
          this.server.call(M.missions.timeline, { run_id: a, limit: 500 }),
        ]);
        return missionMarkdown(run, events);
      }
      if (kind === 'compare') return compareMarkdown(await this.server.call(M.missions.compare, { left_run_id: a, right_run_id: b }));
      if (kind === 'run') return (await this.server.call(M.runsReports.exportRun, { id: a })).markdown;
      if (kind === 'memory') return memoryMarkdown((await this.server.call(M.memory.get, { capsule_id: Number(a) })).capsule);
      return `Unknown Agentora document: ${uri.toString()}\n`;
    } catch (err) {
      // A document cannot show a toast: say in it what went wrong and how to get it back.
      return `# Could not load this view\n\n${(err as Error).message}\n\nIt reloads by itself when the Agentora server is ready again (see "Agentora: Show Logs").\n`;
    }
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}

/** Open (or bring forward) a read-only Agentora document. */
export async function showDoc(uri: vscode.Uri): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true });
}
