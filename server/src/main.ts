// Language-server entry: the VS Code extension starts this process with vscode-languageclient. Every protocol
// method is answered over the connection; server notifications are forwarded to the client. The HTTP API
// (REST, JSON-RPC, SSE, studio, MCP) is started beside it for outside tools.
import { createConnection, ProposedFeatures, ResponseError, type InitializeResult } from 'vscode-languageserver/node';
import { AppError, allMethods, RPC_CODE } from './protocol';
import { createApp, VERSION, type App } from './app';
import { ConfigError } from './config';
import type { LogLevel } from './log';

const connection = createConnection(ProposedFeatures.all);
let app: App | null = null;
let ready: Promise<App> | null = null;

interface InitOptions {
  /** Explicitly set `agentora.*` settings and secrets, keyed by setting key. */
  settings?: Record<string, unknown>;
  /** The extension's global storage folder. */
  dataDir?: string;
}

// A broken handler must not take the whole server (and every panel) down with it.
process.on('uncaughtException', (err) => connection.console.error(`uncaught: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (err) => connection.console.error(`unhandled rejection: ${String((err as Error)?.stack ?? err)}`));

/** Log lines go to the editor as window/logMessage with their level: the "Agentora" output channel (Show Logs). */
const toEditor = (level: LogLevel, msg: string) => {
  if (level === 'debug') connection.console.debug(msg);
  else connection.console[level](msg);
};

connection.onInitialize(async (params): Promise<InitializeResult> => {
  const init = (params.initializationOptions ?? {}) as InitOptions;
  try {
    ready = (async () => {
      const a = createApp({ overrides: { ...init.settings, ...(init.dataDir ? { dataDir: init.dataDir } : {}) }, logSink: toEditor });
      await a.startHttp();
      a.ctx.events.subscribe((name, payload) => void connection.sendNotification(name, payload));
      return a;
    })();
    app = await ready;
  } catch (err) {
    const e = err as Error & { code?: string };
    const native = /better_sqlite3|NODE_MODULE_VERSION|was compiled against/i.test(e.message);
    const hint = native
      ? 'The SQLite native module does not match this Node runtime. Set agentora.server.runtime to a Node 20+ executable (default: `node` on PATH) or reinstall the extension.'
      : 'See the Agentora output channel for details.';
    throw new ResponseError(RPC_CODE.internal, `Agentora server failed to start: ${e.message}. ${hint}`, { retry: false });
  }
  return {
    capabilities: {},
    serverInfo: { name: 'agentora', version: VERSION },
  };
});

for (const spec of allMethods) {
  connection.onRequest(spec.method, async (params: unknown) => {
    const a = app ?? (ready ? await ready : null);
    if (!a) throw new ResponseError(RPC_CODE.unavailable, 'Agentora server is not initialized yet');
    try {
      return await a.registry.call(spec.method, params, { transport: 'lsp', actor: 'vscode' });
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('internal', String((err as Error)?.message ?? err));
      throw new ResponseError(RPC_CODE[e.kind], e.message, e.toBody());
    }
  });
}

// The extension pushes every `agentora.*` change (and SecretStorage keys) here. A bad value keeps the running
// configuration and says which setting is wrong, instead of failing the next start.
connection.onDidChangeConfiguration((change) => {
  const settings = (change.settings ?? {}) as { agentora?: Record<string, unknown> };
  if (!app || !settings.agentora) return;
  try {
    app.reconfigure(settings.agentora);
  } catch (err) {
    const msg = err instanceof ConfigError ? `${err.message}. The previous settings stay in effect.` : `applying settings failed: ${(err as Error).message}`;
    app.ctx.log.error(msg);
    void connection.window.showErrorMessage(`Agentora: ${msg}`);
  }
});

connection.onShutdown(async () => {
  await app?.close();
  app = null;
});

connection.listen();
