// Server lifecycle: start the language server with an explicit Node runtime (better-sqlite3 is built for
// system Node, not Electron), track its state for the status bar, restart on demand, and turn a failed start
// into a notification with "Show Logs" and "Retry".
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { allNotifications, type ParamsOf, type ResultOf } from '../../server/src/protocol';
import type { MethodName, Methods } from '../../server/src/protocol/calls.gen';
export { M } from '../../server/src/protocol/calls.gen';
import { readSettings, runtime } from './config';

export type ServerState = 'starting' | 'ready' | 'error' | 'stopped';

export class ServerController implements vscode.Disposable {
  client: LanguageClient | null = null;
  state: ServerState = 'stopped';
  lastError = '';
  readonly readyAt: { activation: number; ready?: number } = { activation: Date.now() };
  private readonly stateListeners = new Set<(s: ServerState) => void>();
  private readonly notificationListeners = new Set<(name: string, payload: unknown) => void>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
  ) {}

  onState(fn: (s: ServerState) => void): vscode.Disposable {
    this.stateListeners.add(fn);
    return new vscode.Disposable(() => this.stateListeners.delete(fn));
  }

  onServerNotification(fn: (name: string, payload: unknown) => void): vscode.Disposable {
    this.notificationListeners.add(fn);
    return new vscode.Disposable(() => this.notificationListeners.delete(fn));
  }

  private setState(s: ServerState): void {
    this.state = s;
    this.stateListeners.forEach((fn) => fn(s));
  }

  async start(): Promise<void> {
    this.setState('starting');
    const module = this.context.asAbsolutePath(path.join('dist', 'server', 'main.js'));
    const serverOptions: ServerOptions = {
      run: { module, runtime: runtime(), transport: TransportKind.ipc },
      debug: { module, runtime: runtime(), transport: TransportKind.ipc },
    };
    const dataDir = this.context.globalStorageUri.fsPath;
    const clientOptions: LanguageClientOptions = {
      documentSelector: [],
      outputChannel: this.output,
      initializationOptions: { dataDir, settings: await readSettings(this.context) },
      initializationFailedHandler: () => false,
    };
    const client = new LanguageClient('agentora', 'Agentora Server', serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped && this.state === 'ready') {
        this.lastError = 'The Agentora server stopped';
        this.setState('error');
      }
    });
    try {
      await client.start();
      for (const n of allNotifications) client.onNotification(n.name, (p: unknown) => this.notificationListeners.forEach((fn) => fn(n.name, p)));
      this.readyAt.ready = Date.now();
      this.output.info(`Agentora server ready in ${this.readyAt.ready - this.readyAt.activation} ms after activation`);
      this.setState('ready');
    } catch (err) {
      // vscode-languageclient may reject with a non-Error (e.g. when the runtime cannot be spawned): always say
      // which runtime was used and how to fix it.
      const reason = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
      this.lastError = `${reason || 'the server process could not be started'} (runtime: '${runtime()}'; set agentora.server.runtime to a Node 20+ executable)`;
      this.output.error(`Agentora server failed to start: ${this.lastError}`);
      this.setState('error');
      void vscode.window.showErrorMessage(`Agentora server failed to start: ${this.lastError}`, 'Show Logs', 'Retry').then((pick) => {
        if (pick === 'Show Logs') this.output.show();
        if (pick === 'Retry') void this.restart();
      });
    }
  }

  async request<R>(method: string, params: unknown): Promise<R> {
    if (!this.client || this.state !== 'ready') throw new Error(`Agentora server is ${this.state}${this.lastError ? `: ${this.lastError}` : ''}. Run "Agentora: Restart Server".`);
    return this.client.sendRequest<R>(method, params);
  }

  /** Typed by the protocol: `server.call(M.missions.launch, {...})`; callers never spell a method name. */
  call<K extends MethodName>(method: K, params: ParamsOf<Methods[K]>): Promise<ResultOf<Methods[K]>> {
    return this.request<ResultOf<Methods[K]>>(method, params);
  }

  async restart(): Promise<void> {
    const old = this.client;
    this.client = null;
    if (old) await old.stop().catch(() => undefined);
    this.readyAt.activation = Date.now();
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.client?.stop().catch(() => undefined);
  }
}
