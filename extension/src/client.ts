// Server lifecycle: start the language server with an explicit Node runtime (better-sqlite3 is built for
// system Node, not Electron), take the state shown in the status bar from the language client's own state
// events (so a crash and vscode-languageclient's automatic restart end in "ready" again), serialize starts and
// restarts (a restart asked during a restart joins it), push settings to the running server, and turn a failed
// start into a notification with "Show Logs" and "Retry".
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { allNotifications, type ParamsOf, type ResultOf } from '../../server/src/protocol';
import type { MethodName, Methods, NotificationName, Notifications } from '../../server/src/protocol/calls.gen';
import type { PayloadOf } from '../../server/src/protocol/define';
export { M, N } from '../../server/src/protocol/calls.gen';
import { readSettings, runtime } from './config';

export type ServerState = 'starting' | 'ready' | 'error' | 'stopped';

export class ServerController implements vscode.Disposable {
  client: LanguageClient | null = null;
  state: ServerState = 'stopped';
  lastError = '';
  readonly readyAt: { activation: number; ready?: number } = { activation: Date.now() };
  private readonly stateListeners = new Set<(s: ServerState) => void>();
  private readonly notificationListeners = new Set<(name: string, payload: unknown) => void>();
  /** Start/stop steps run one after another; a restart asked while one is queued or running joins it. */
  private lifecycle: Promise<void> = Promise.resolve();
  private restarting: Promise<void> | null = null;
  /** The settings the server was (re)started or last reconfigured with; also what an automatic restart sends. */
  private settings: Record<string, unknown> = {};

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

  /** One notification, its payload typed by the protocol: `server.onNotification(N.chat.didRequestInsert, (p) => …)`. */
  onNotification<K extends NotificationName>(name: K, fn: (payload: PayloadOf<Notifications[K]>) => void): vscode.Disposable {
    return this.onServerNotification((n, payload) => {
      if (n === name) fn(payload as PayloadOf<Notifications[K]>);
    });
  }

  /** The last editor-side panel notification of each name: a view that (re)loads later gets them on `ready`. */
  private readonly panelSticky = new Map<string, unknown>();
  /** Deliver a panel notification from the editor side (e.g. Open Branch Set pointing its view at a mission). */
  notifyPanels(name: string, payload: unknown): void {
    this.panelSticky.set(name, payload);
    this.notificationListeners.forEach((fn) => fn(name, payload));
  }
  panelReplay(): [string, unknown][] {
    return [...this.panelSticky];
  }

  private setState(s: ServerState): void {
    if (s === this.state) return;
    this.state = s;
    this.output.info(`server state: ${s}${s === 'error' && this.lastError ? ` (${this.lastError})` : ''}`);
    this.stateListeners.forEach((fn) => fn(s));
  }

  private serial(step: () => Promise<void>): Promise<void> {
    const next = this.lifecycle.then(step, step);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  start(): Promise<void> {
    return this.serial(() => this.doStart());
  }

  restart(): Promise<void> {
    this.restarting ??= this.serial(async () => {
      await this.doStop();
      this.readyAt.activation = Date.now();
      await this.doStart();
    }).finally(() => (this.restarting = null));
    return this.restarting;
  }

  /** The language client's state is the truth: its automatic restart after a crash brings us back to ready. */
  private fromClient(client: LanguageClient, s: State): void {
    if (client !== this.client) return; // a stopped client's late events
    if (s === State.Starting) this.setState('starting');
    else if (s === State.Running) {
      this.readyAt.ready = Date.now();
      this.lastError = '';
      this.output.info(`Agentora server ready in ${this.readyAt.ready - this.readyAt.activation} ms`);
      this.setState('ready');
    } else if (this.state === 'ready' || this.state === 'starting') {
      this.lastError = 'the Agentora server process stopped unexpectedly (it is restarted automatically a few times; see Show Logs)';
      this.readyAt.activation = Date.now();
      this.setState('error');
    }
  }

  private async doStart(): Promise<void> {
    this.setState('starting');
    const module = this.context.asAbsolutePath(path.join('dist', 'server', 'main.js'));
    const serverOptions: ServerOptions = {
      run: { module, runtime: runtime(), transport: TransportKind.ipc },
      debug: { module, runtime: runtime(), transport: TransportKind.ipc },
    };
    const dataDir = this.context.globalStorageUri.fsPath;
    this.settings = await readSettings(this.context);
    const clientOptions: LanguageClientOptions = {
      documentSelector: [],
      outputChannel: this.output,
      // A function: an automatic restart after a crash sends the settings as they are now, not as at activation.
      initializationOptions: () => ({ dataDir, settings: this.settings }),
      initializationFailedHandler: () => false,
    };
    const client = new LanguageClient('agentora', 'Agentora Server', serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => this.fromClient(client, e.newState));
    // Registered before start: the client keeps them across its own restarts.
    for (const n of allNotifications) client.onNotification(n.name, (p: unknown) => this.notificationListeners.forEach((fn) => fn(n.name, p)));
    try {
      await client.start();
    } catch (err) {
      if (client !== this.client) return; // stopped meanwhile by a restart
      // vscode-languageclient may reject with a non-Error (e.g. when the runtime cannot be spawned): always say
      // which runtime was used and how to fix it.
      const reason = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
      this.lastError = `${reason || 'the server process could not be started'} (runtime: '${runtime()}'; set agentora.server.runtime to a Node 20+ executable)`;
      this.output.error(`Agentora server failed to start: ${this.lastError}`);
      this.setState('error');
      void vscode.window.showErrorMessage(`Agentora server failed to start: ${this.lastError}`, 'Show Logs', 'Retry').then((pick) => {
        if (pick === 'Show Logs') void vscode.commands.executeCommand('agentora.showLogs');
        if (pick === 'Retry') void this.restart();
      });
    }
  }

  private async doStop(): Promise<void> {
    const old = this.client;
    this.client = null; // its Stopped event is ours, not a crash
    if (old) await old.stop(5000).catch((err) => this.output.warn(`stopping the server: ${(err as Error)?.message ?? err}`));
    this.setState('stopped');
  }

  /** Send the current `agentora.*` settings and secrets to the running server (it applies them at once). */
  async pushSettings(): Promise<void> {
    this.settings = await readSettings(this.context);
    if (!this.client || this.state !== 'ready') return; // the next start sends them
    await this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { agentora: this.settings } });
    this.output.info(`settings sent to the server (${Object.keys(this.settings).length} set explicitly)`);
  }

  async request<R>(method: string, params: unknown): Promise<R> {
    if (!this.client || this.state !== 'ready')
      throw new Error(`Agentora server is ${this.state}${this.lastError ? `: ${this.lastError}` : ''}. Run "Agentora: Restart Server".`);
    return this.client.sendRequest<R>(method, params);
  }

  /** Typed by the protocol: `server.call(M.missions.launch, {...})`; callers never spell a method name. */
  call<K extends MethodName>(method: K, params: ParamsOf<Methods[K]>): Promise<ResultOf<Methods[K]>> {
    return this.request<ResultOf<Methods[K]>>(method, params);
  }

  async dispose(): Promise<void> {
    await this.serial(() => this.doStop());
  }
}
